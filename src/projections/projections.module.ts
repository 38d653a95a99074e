import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ProjectJob } from './jobs/project.job';
import { ParkedStreamsService } from './parked-streams.service';
import { RebuildJob } from './jobs/rebuild.job';
import { SweepJob } from './jobs/sweep.job';
import { ProjectionRebuilder } from './projection.rebuilder';
import { ProjectionRegistry } from './projection.registry';
import { ProjectionRunner } from './projection.runner';
import { ProjectionStatusService } from './projection.status';
import { ProjectionWaker } from './projection.waker';
import { ProjectionsController } from './http/projections.controller';
import { ProjectionSweepScheduler } from './projection-sweep.scheduler';

const core = [ProjectionRegistry, ProjectionRunner, ProjectionWaker, ProjectionStatusService, ProjectionRebuilder, ParkedStreamsService];

/** The engine, in every role: the API wakes projections, the CLI rebuilds them. */
@Module({ imports: [DiscoveryModule], providers: core, exports: core })
export class ProjectionsModule {}

/** The worker side: job handlers and the `projections` queue's processor. */
@Module({ imports: [ProjectionsModule], providers: [ProjectJob, SweepJob, RebuildJob, ProjectionSweepScheduler] })
export class ProjectionsWorkerModule {}

@Module({ imports: [ProjectionsModule], controllers: [ProjectionsController] })
export class ProjectionsHttpModule {}
