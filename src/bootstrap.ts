import { INestApplication, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, NestExpressApplication } from '@nestjs/platform-express';
import express from 'express';
import { Logger } from 'nestjs-pino';
import { AppModule, Role } from './app.module';
import type { AppConfig } from './config/config';

export const BODY_LIMIT = '1mb';

/** The HTTP application (roles `api` and `all`), configured exactly as in production. */
export async function createHttpApp(config: AppConfig, role: 'api' | 'all'): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRole(role, config), new ExpressAdapter(), { bodyParser: false, bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(express.json({ limit: BODY_LIMIT, type: ['application/json', 'application/*+json'] }));
  app.use(express.text({ limit: BODY_LIMIT, type: 'text/plain' }));
  app.enableShutdownHooks();
  return app;
}

/** The worker role: no HTTP server, only jobs. */
export async function createWorkerContext(config: AppConfig, role: Role = 'worker'): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(AppModule.forRole(role, config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  return app;
}
