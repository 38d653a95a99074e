import { ApiOkResponse } from '@nestjs/swagger';
import { Controller, Get } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { ProblemException } from '../common/http/problem';
import { RedisClient } from '../jobs/redis-client';
import { Public } from '../common/http/access';

/** Liveness says the process runs; readiness says it can serve: PostgreSQL and Redis answer. */
@Controller('health')
@Public()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly redis: RedisClient,
  ) {}

  @Get('live')
  @ApiOkResponse({ description: 'the process runs', schema: { type: 'object', required: ['status'], properties: { status: { type: 'string', example: 'ok' } } } })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOkResponse({ description: 'PostgreSQL and Redis answer (503 NOT_READY otherwise)', schema: { type: 'object', properties: { status: { type: 'string', example: 'ok' }, info: { type: 'object', additionalProperties: true }, error: { type: 'object', additionalProperties: true }, details: { type: 'object', additionalProperties: true } } } })
  async ready() {
    try {
      return await this.health.check([
        () => this.db.pingCheck('postgres').withTimeout(1500),
        () =>
          this.indicators
            .check('redis')
            .attempt(async () => {
              if ((await this.redis.redis.ping()) !== 'PONG') throw new Error('unexpected PING reply');
            })
            .withTimeout(1500),
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
