import { ApiOkResponse, ApiProduces } from '@nestjs/swagger';
import { Controller, Get, Header, Headers, Inject } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { OwnBearer, Public } from '../../common/http/access';
import { ProblemException } from '../../common/http/problem';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { Metrics } from '../metrics';
import { RateLimit } from './rate-limit.guard';

/**
 * Rate-limited (a scraper runs every 15–60 s; RATE_LIMIT_METRICS_PER_MINUTE), and when
 * METRICS_TOKEN is set it must come as `Authorization: Bearer <METRICS_TOKEN>` (Prometheus:
 * `authorization: { credentials: … }`); that bearer is not a JWT, so the auth guard leaves it be.
 */
@Controller('metrics')
@Public()
@OwnBearer()
@RateLimit('metrics')
export class MetricsController {
  private readonly token: Buffer | null;

  constructor(
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.token = config.METRICS_TOKEN ? createHash('sha256').update(config.METRICS_TOKEN).digest() : null;
  }

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'Prometheus text exposition format',
    content: { 'text/plain': { schema: { type: 'string', example: 'almanac_http_requests_total{method="GET",route="/v1/events",status="200"} 12\n' } } },
  })
  scrape(@Headers('authorization') authorization: string | undefined): Promise<string> {
    if (this.token) {
      const given = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1] ?? '';
      if (!timingSafeEqual(createHash('sha256').update(given).digest(), this.token)) {
        throw new ProblemException(401, 'UNAUTHORIZED', 'this needs the metrics token (Authorization: Bearer <METRICS_TOKEN>)', undefined, { 'WWW-Authenticate': 'Bearer' });
      }
    }
    return this.metrics.scrape();
  }
}
