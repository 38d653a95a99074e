import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { QUEUES } from './catalog';
import { JobDispatcher } from './job-dispatcher';
import { QueueWorkers } from './queue-workers';
import { RedisClient } from './redis-client';
import { RedisOutageMonitor } from './redis-outage';
import { RedisModule } from './redis.module';

const queues = Object.values(QUEUES).map((name) =>
  BullModule.registerQueueAsync({
    name,
    imports: [RedisModule],
    inject: [RedisClient],
    useFactory: (r: RedisClient) => ({ connection: r.bull('producer'), prefix: r.prefix }),
  }),
);

/** BullMQ on the configured Redis (single node, Sentinel or Cluster) with the configured prefix; queues for producers, dispatcher for workers. */
@Global()
@Module({
  imports: [
    DiscoveryModule,
    RedisModule,
    BullModule.forRootAsync({
      imports: [RedisModule],
      inject: [RedisClient],
      useFactory: (r: RedisClient) => ({ connection: r.bull('producer'), prefix: r.prefix }),
    }),
    ...queues,
  ],
  providers: [JobDispatcher, RedisOutageMonitor],
  exports: [BullModule, JobDispatcher, RedisModule, RedisOutageMonitor],
})
export class JobsModule {}

/** Worker role: runs the queues' jobs. Import after every module that declares job handlers. */
@Module({ providers: [QueueWorkers] })
export class JobsWorkerModule {}
