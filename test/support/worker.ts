import type { INestApplicationContext } from '@nestjs/common';
import { createWorkerContext } from '../../src/bootstrap';
import { AppConfig, loadConfig } from '../../src/config/config';
import { TEST_JWT_SECRET } from './app';

export function testConfig(databaseUrl: string, queuePrefix: string, env: Record<string, string> = {}): AppConfig {
  return loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    DATABASE_URL: databaseUrl,
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: queuePrefix,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'silent',
    ...env,
  });
}

/** An in-process `worker` role: its own pools, BullMQ workers and projections. */
export function startTestWorker(config: AppConfig): Promise<INestApplicationContext> {
  return createWorkerContext(config, 'worker');
}
