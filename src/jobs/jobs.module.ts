import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { APP_CONFIG, AppConfig } from '../config/config';
import { QUEUES, queuePrefix } from './catalog';
import { JobDispatcher } from './job-dispatcher';
import { QueueWorkers } from './queue-workers';
import { RedisClient } from './redis-client';
import { RedisOutageMonitor } from './redis-outage';
import { producerConnection } from './redis';

const queues = Object.values(QUEUES).map((name) =>
  BullModule.registerQueueAsync({
    name,
    inject: [APP_CONFIG],
    useFactory: (c: AppConfig) => ({ connection: producerConnection(c.REDIS_URL), prefix: queuePrefix(c.QUEUE_PREFIX) }),
  }),
);

/** BullMQ on REDIS_URL with the configured prefix; queues for producers, dispatcher for workers. */
@Global()
@Module({
  imports: [
    DiscoveryModule,
    BullModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (c: AppConfig) => ({ connection: producerConnection(c.REDIS_URL), prefix: queuePrefix(c.QUEUE_PREFIX) }),
    }),
    ...queues,
  ],
  providers: [JobDispatcher, RedisClient, RedisOutageMonitor],
  exports: [BullModule, JobDispatcher, RedisClient, RedisOutageMonitor],
})
export class JobsModule {}

/** Worker role: runs the queues' jobs. Import after every module that declares job handlers. */
@Module({ providers: [QueueWorkers] })
export class JobsWorkerModule {}
