import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { translator } from '../../../common/i18n/i18n';
import { APP_CONFIG, AppConfig } from '../../../config/config';
import { Mailer } from '../../mail/mail.types';
import { CheckpointService } from './checkpoint.service';

const DAY_MS = 24 * 3600 * 1000;
const CHECK_EVERY_MS = 3600 * 1000;

/**
 * Once a day, every checkpoint issued since the last digest goes to AUDIT_CHECKPOINT_EMAILS (in
 * ADMIN_EMAIL_LOCALE): a copy of each signed root outside the database, where its administrator
 * cannot reach. The notes themselves are as signed, whatever the language.
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
    return this.config.AUDIT_CHECKPOINT_EMAILS;
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
    const { t } = translator(this.config.ADMIN_EMAIL_LOCALE);
    const text = [
      t('audit.digest.summary', { count: unsent.length, origin: this.checkpoints.origin, first: String(first.treeSize), last: String(last.treeSize) }),
      t('audit.digest.keep', { command: 'almanac audit verify --checkpoint <file>' }),
      '',
      ...unsent.map((c) => `# ${t('audit.digest.signed', { when: c.signedAt.toISOString() })}\n${c.note}`),
    ].join('\n');
    const id = createHash('sha256').update(`${first.treeSize}-${last.treeSize}`).digest('hex').slice(0, 24);
    for (const address of to) {
      await this.mailer.send({
        to: address,
        subject: t('audit.digest.subject', { size: String(last.treeSize) }),
        text,
        html: `<pre>${text.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</pre>`,
        messageId: `<checkpoints-${id}@${this.checkpoints.origin.split('/')[0]}>`,
      });
    }
    await this.checkpoints.markSent(unsent.map((c) => c.treeSize));
    return unsent.length;
  }
}
