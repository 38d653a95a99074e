import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../config/config';
import { CheckpointService } from './checkpoint.service';

/**
 * The sealer checkpoints while the log grows; this covers the last events before the log went
 * quiet, so no event waits more than about an interval for a checkpoint that covers it.
 */
@Injectable()
export class CheckpointTimer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CheckpointTimer.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly checkpoints: CheckpointService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.checkpoints.issueIfDue().catch((err: unknown) => this.logger.warn({ err }, 'could not issue a checkpoint; retrying at the next interval'));
    }, this.config.CHECKPOINT_INTERVAL_SECONDS * 1000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
