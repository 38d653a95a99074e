import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { ProblemException } from '../../common/http/problem';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { RedisClient } from '../../jobs/redis-client';

export type RateLimitBucket = 'reads' | 'subscriptions' | 'links' | 'metrics';
const BUCKET = 'almanac:rate-limit';
/** Public routes name the bucket they draw from; staff, auditor and admin routes are not limited. */
export const RateLimit = (bucket: RateLimitBucket) => SetMetadata(BUCKET, bucket);

/**
 * Per client address, shared by every instance through Redis (rate-limiter-flexible). While
 * Redis is down each instance falls back to its own in-memory limiter instead of failing open
 * or refusing everything.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly limiters = new Map<RateLimitBucket, RateLimiterRedis | null>();

  constructor(
    private readonly reflector: Reflector,
    redis: RedisClient,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    const perMinute: Record<RateLimitBucket, number> = {
      reads: config.RATE_LIMIT_READS_PER_MINUTE,
      subscriptions: config.RATE_LIMIT_SUBSCRIPTIONS_PER_MINUTE,
      links: config.RATE_LIMIT_LINKS_PER_MINUTE,
      metrics: config.RATE_LIMIT_METRICS_PER_MINUTE,
    };
    for (const [bucket, points] of Object.entries(perMinute) as [RateLimitBucket, number][]) {
      this.limiters.set(
        bucket,
        points === 0
          ? null
          : new RateLimiterRedis({
              storeClient: redis.redis,
              keyPrefix: redis.key('rate', bucket),
              points,
              duration: 60,
              insuranceLimiter: new RateLimiterMemory({ points, duration: 60 }),
            }),
      );
    }
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const bucket = this.reflector.getAllAndOverride<RateLimitBucket | undefined>(BUCKET, [context.getHandler(), context.getClass()]);
    const limiter = bucket ? this.limiters.get(bucket) : null;
    if (!limiter) return true;
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const res = context.switchToHttp().getResponse<FastifyReply>();
    try {
      const r = await limiter.consume(req.ip || 'unknown');
      void res.header('RateLimit-Remaining', String(r.remainingPoints));
      return true;
    } catch (e) {
      if (!(e instanceof RateLimiterRes)) throw e;
      const retry = Math.max(1, Math.ceil(e.msBeforeNext / 1000));
      throw new ProblemException(429, 'RATE_LIMITED', `too many requests; retry in ${retry} s`, undefined, { 'Retry-After': String(retry) });
    }
  }
}
