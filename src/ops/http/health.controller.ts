import { ApiOkResponse } from '@nestjs/swagger';
import { Controller, Get } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { ProblemException } from '../../common/http/problem';
import { RedisClient } from '../../jobs/redis-client';
import { ReadRouting } from '../../database/read-routing';
import { explainRedisFailure, redisRoundTrip } from '../../jobs/redis-probe';
import { HEARTBEAT_EVERY_MS, workerHeartbeatKey } from '../../jobs/queue-workers';
import { Public } from '../../common/http/access';

/** A replica further behind than this serves reads too stale to call the process ready. */
const REPLICA_MAX_LAG_SECONDS = 30;

/**
 * Liveness says the process runs; readiness says it can serve: PostgreSQL answers, a round trip
 * through the service's own Redis keys succeeds (not a PING), the workers beat, and the read
 * replica (when used) is not far behind.
 */
@Controller('health')
@Public()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly redis: RedisClient,
    private readonly reads: ReadRouting,
  ) {}

  @Get('live')
  @ApiOkResponse({ description: 'the process runs', schema: { type: 'object', required: ['status'], properties: { status: { type: 'string', example: 'ok' } } } })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOkResponse({
    description: 'PostgreSQL and Redis answer (503 NOT_READY otherwise)',
    schema: {
      type: 'object',
      properties: {
        status: { type: 'string', example: 'ok' },
        info: { type: 'object', additionalProperties: true },
        error: { type: 'object', additionalProperties: true },
        details: { type: 'object', additionalProperties: true },
      },
    },
  })
  async ready() {
    try {
      return await this.health.check([
        () => this.db.pingCheck('postgres').withTimeout(1500),
        () =>
          this.indicators
            .check('redis')
            .attempt(async () => {
              try {
                await redisRoundTrip(this.redis.redis, this.redis.prefix);
              } catch (err) {
                throw new Error(explainRedisFailure(err, this.redis.topology), { cause: err });
              }
            })
            .withTimeout(1500),
        () =>
          this.indicators
            .check('workers')
            .attempt(async () => {
              // No beat at all: no worker process has started yet (an API deployed first) — not this process's fault.
              const newest = await this.redis.redis.zrevrange(workerHeartbeatKey(this.redis), 0, 0, 'WITHSCORES');
              if (newest.length < 2) return { workers: 'none reported' };
              const silentFor = Date.now() - Number(newest[1]);
              if (silentFor > 6 * HEARTBEAT_EVERY_MS) throw new Error(`no worker heartbeat for ${Math.round(silentFor / 1000)} s: projections and reminders are not running`);
              return { lastHeartbeatMsAgo: silentFor };
            })
            .withTimeout(1500),
        ...(this.reads.replicated
          ? [
              () =>
                this.indicators
                  .check('replica')
                  .attempt(async () => {
                    const lag = await this.reads.lag();
                    if (lag && lag.seconds > REPLICA_MAX_LAG_SECONDS) throw new Error(`the read replica is ${Math.round(lag.seconds)} s behind the primary (${lag.bytes} bytes of WAL)`);
                    return { lagBytes: lag?.bytes, lagSeconds: lag?.seconds };
                  })
                  .withTimeout(1500),
            ]
          : []),
      ]);
    } catch (err) {
      const details = (err as { response?: { details?: Record<string, { status: string; message?: string }> } }).response?.details ?? {};
      const down = Object.entries(details)
        .filter(([, v]) => v.status !== 'up')
        .map(([k, v]) => `${k}: ${v.message ?? v.status}`);
      throw new ProblemException(503, 'NOT_READY', down.length ? `not ready: ${down.join('; ')}` : 'not ready', undefined, { 'Retry-After': '5' });
    }
  }
}
