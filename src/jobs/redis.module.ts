import { Global, Module } from '@nestjs/common';
import { RedisClient } from './redis-client';

/** The configured Redis, for BullMQ's module factories and everything else. */
@Global()
@Module({ providers: [RedisClient], exports: [RedisClient] })
export class RedisModule {}
