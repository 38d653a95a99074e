import { Module } from '@nestjs/common';
import { ProjectionsModule } from '../../../projections/projections.module';
import { MailModule } from '../../mail/mail.module';
import { CheckpointDigest } from './checkpoint-digest';
import { CheckpointService } from './checkpoint.service';
import { CheckpointTimer } from './checkpoint.timer';
import { SealerProjection } from './sealer.projection';
import { TransparencyService } from './transparency.service';
import { TreeRepository } from './tree.repository';

const providers = [TreeRepository, CheckpointService, TransparencyService, SealerProjection];

/** The transparency log: the sealer (discovered by the projection registry in every role), checkpoints, proofs. */
@Module({ imports: [ProjectionsModule], providers, exports: providers })
export class TransparencyModule {}

/** Worker side: checkpoints on a timer while the log is quiet, and the daily digest email. */
@Module({ imports: [TransparencyModule, MailModule], providers: [CheckpointTimer, CheckpointDigest] })
export class TransparencyWorkerModule {}
