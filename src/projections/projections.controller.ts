import { ApiAcceptedResponse, ApiOkResponse } from '@nestjs/swagger';
import { ProjectionListSchema, RebuildAcceptedSchema } from './projections.schemas';
import { InjectQueue } from '@nestjs/bullmq';
import { Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { Response } from 'express';
import { ProblemException } from '../common/http/problem';
import { JOBS, QUEUES } from '../jobs/catalog';
import { Roles } from '../common/http/access';
import { RebuildJobPayload, rebuildJobId } from './jobs/rebuild.job';
import { ProjectionRegistry } from './projection.registry';
import { ProjectionStatusService } from './projection.status';

@Controller('v1/admin/projections')
@Roles('admin')
export class ProjectionsController {
  constructor(
    private readonly status: ProjectionStatusService,
    private readonly registry: ProjectionRegistry,
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
  async rebuild(@Param('name') name: string, @Query('verify') verify: string | undefined, @Res({ passthrough: true }) res: Response) {
    if (!this.registry.get(name)) throw new ProblemException(404, 'PROJECTION_NOT_FOUND', `no projection named ${name}; known: ${this.registry.all().map((p) => p.name).join(', ')}`);
    const job = await this.queue.add(JOBS.projections.rebuild, { projection: name, verify: verify === 'true' } satisfies RebuildJobPayload, {
      jobId: rebuildJobId(name),
      removeOnComplete: { age: 3600 },
      removeOnFail: { age: 3600 },
    });
    res.location(`/v1/admin/projections`);
    return { projection: name, jobId: job.id, status: 'accepted' };
  }
}
