import { ApiAcceptedResponse, ApiOkResponse } from '@nestjs/swagger';
import { ProjectionListSchema, RebuildAcceptedSchema, RetryResultSchema, SkipResultSchema } from './projections.schemas';
import { InjectQueue } from '@nestjs/bullmq';
import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { FastifyReply } from 'fastify';
import { ProblemException } from '../../common/http/problem';
import { JOBS, QUEUES } from '../../jobs/catalog';
import { AuthenticatedRequest, Roles } from '../../common/http/access';
import { commandMetadata } from '../../common/http/request-context';
import { NotParkedError, ParkedStreamsService } from '../parked-streams.service';
import { SkipEventDto } from './projections.dto';
import type { Projection } from '../projection';
import { RebuildJobPayload, rebuildJobId } from '../jobs/rebuild.job';
import { ProjectionRegistry } from '../projection.registry';
import { ProjectionStatusService } from '../projection.status';

@Controller('v1/admin/projections')
@Roles('admin')
export class ProjectionsController {
  constructor(
    private readonly status: ProjectionStatusService,
    private readonly registry: ProjectionRegistry,
    private readonly parked: ParkedStreamsService,
    @InjectQueue(QUEUES.projections) private readonly queue: Queue,
  ) {}

  @Get()
  @ApiOkResponse({ type: ProjectionListSchema })
  async list() {
    return { items: await this.status.all() };
  }

  /** 202: a worker rebuilds into fresh tables while the live model serves, then swaps. */
  @Post(':name/rebuild')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: RebuildAcceptedSchema, description: 'a worker rebuilds; follow it in GET /v1/admin/projections' })
  async rebuild(@Param('name') name: string, @Query('verify') verify: string | undefined, @Res({ passthrough: true }) res: FastifyReply) {
    this.projection(name);
    const job = await this.queue.add(JOBS.projections.rebuild, { projection: name, verify: verify === 'true' } satisfies RebuildJobPayload, {
      jobId: rebuildJobId(name),
      removeOnComplete: { age: 3600 },
      removeOnFail: { age: 3600 },
    });
    res.header('Location', `/v1/admin/projections`);
    return { projection: name, jobId: job.id, status: 'accepted' };
  }

  /** Re-applies every parked stream of the live model, oldest first (after a fix); 200 with what each did. */
  @Post(':name/retry')
  @HttpCode(200)
  @ApiOkResponse({ type: RetryResultSchema })
  async retry(@Param('name') name: string) {
    const items = await this.parked.retry(this.projection(name));
    return { projection: name, items, parked: items.filter((i) => i.parked).length };
  }

  /**
   * The audited decision that this projection passes over the event it parked a stream on: an
   * event in the log (actor: the admin) that a rebuild reads back; then the stream resumes.
   */
  @Post(':name/skip')
  @HttpCode(200)
  @ApiOkResponse({ type: SkipResultSchema, description: 'the decision is in the log (X-Log-Position); the stream resumed or parked again on its next bad event' })
  async skip(@Param('name') name: string, @Body() dto: SkipEventDto, @Req() req: AuthenticatedRequest, @Res({ passthrough: true }) res: FastifyReply) {
    const p = this.projection(name);
    try {
      const r = await this.parked.skip(p, dto.position, dto.reason, commandMetadata(req));
      res.header('X-Log-Position', r.decision.position);
      return {
        projection: name,
        skipped: { position: dto.position, stream: r.parked.stream, type: r.parked.type, error: r.parked.error },
        decision: { position: r.decision.position, id: r.decision.id },
        resumed: r.resumed,
      };
    } catch (err) {
      if (err instanceof NotParkedError) throw new ProblemException(409, 'NOT_PARKED', err.message);
      throw err;
    }
  }

  private projection(name: string): Projection {
    const p = this.registry.get(name);
    if (!p)
      throw new ProblemException(
        404,
        'PROJECTION_NOT_FOUND',
        `no projection named ${name}; known: ${this.registry
          .all()
          .map((x) => x.name)
          .join(', ')}`,
      );
    return p;
  }
}
