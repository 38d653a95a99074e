import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../config/config';
import { Mailer } from '../../mail/mail.types';
import type { Endpoint } from '../endpoints.repository';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Tells WEBHOOKS_ADMIN_EMAILS that an endpoint was paused after its retry budget; nobody when unset. */
@Injectable()
export class PauseAlert {
  private readonly logger = new Logger(PauseAlert.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly mailer: Mailer,
  ) {}

  async endpointPaused(e: Endpoint, reason: string): Promise<void> {
    const to = this.config.WEBHOOKS_ADMIN_EMAILS;
    if (!to.length) return;
    const text = [
      `The webhook endpoint ${e.id} (${e.url}) was paused: ${reason}.`,
      `Its cursor is kept at position ${e.cursor.position}; nothing after it is lost.`,
      `When the receiver works again, resume it: PATCH ${this.config.PUBLIC_BASE_URL}/v1/admin/webhooks/${e.id} {"status":"active"}`,
    ].join('\n\n');
    try {
      await this.mailer.send({
        to: to.join(', '),
        subject: `Webhook endpoint paused: ${e.url}`,
        text,
        html: text
          .split('\n\n')
          .map((p) => `<p>${escapeHtml(p)}</p>`)
          .join('\n'),
        messageId: `<webhook-paused-${e.id}-${Date.now()}@${this.config.MAIL_FROM.split('@')[1] ?? 'almanac'}>`,
      });
    } catch (err) {
      // The pause itself is recorded and visible in GET /v1/admin/webhooks: the email is a courtesy.
      this.logger.warn({ err, endpointId: e.id }, 'could not email admins about a paused webhook endpoint');
    }
  }
}
