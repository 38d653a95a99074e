import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../../../config/config';
import { Mailer } from '../../mail/mail.types';
import { CheckpointService } from './checkpoint.service';

const DAY_MS = 24 * 3600 * 1000;
const CHECK_EVERY_MS = 3600 * 1000;

/**
 * Once a day, every checkpoint issued since the last digest goes to AUDIT_CHECKPOINT_EMAILS:
 * a copy of each signed root outside the database, where its administrator cannot reach.
 */
@Injectable()
export class CheckpointDigest implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CheckpointDigest.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly checkpoints: CheckpointService,
    private readonly mailer: Mailer,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private recipients(): string[] {
    return this.config.AUDIT_CHECKPOINT_EMAILS.split(',')
      .map((a) => a.trim())
      .filter(Boolean);
  }

  onApplicationBootstrap(): void {
    if (this.recipients().length === 0) return;
    this.timer = setInterval(() => {
      this.sendIfDue().catch((err: unknown) => this.logger.warn({ err }, 'checkpoint digest failed; retrying within the hour'));
    }, CHECK_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Sends when the oldest unsent checkpoint is a day old (or `now` is forced). Returns how many it sent. */
  async sendIfDue(force = false): Promise<number> {
    const to = this.recipients();
    if (to.length === 0) return 0;
    const unsent = await this.checkpoints.unsent();
    if (unsent.length === 0 || (!force && Date.now() - unsent[0].signedAt.getTime() < DAY_MS)) return 0;
    const first = unsent[0];
    const last = unsent[unsent.length - 1];
    const text = [
      `${unsent.length} checkpoint(s) of ${this.checkpoints.origin}, tree sizes ${first.treeSize} to ${last.treeSize}.`,
      'Keep this email: any later checkpoint must be consistent with these (almanac audit verify --checkpoint <file>).',
      '',
      ...unsent.map((c) => `# signed ${c.signedAt.toISOString()}\n${c.note}`),
    ].join('\n');
    const id = createHash('sha256').update(`${first.treeSize}-${last.treeSize}`).digest('hex').slice(0, 24);
    for (const address of to) {
      await this.mailer.send({
        to: address,
        subject: `almanac checkpoints: tree size ${last.treeSize}`,
        text,
        html: `<pre>${text.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</pre>`,
        messageId: `<checkpoints-${id}@${this.checkpoints.origin.split('/')[0]}>`,
      });
    }
    await this.checkpoints.markSent(unsent.map((c) => c.treeSize));
    return unsent.length;
  }
}
