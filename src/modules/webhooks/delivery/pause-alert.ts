import { Inject, Injectable, Logger } from '@nestjs/common';
import { translator } from '../../../common/i18n/i18n';
import { APP_CONFIG, AppConfig } from '../../../config/config';
import { Mailer } from '../../mail/mail.types';
import type { Endpoint } from '../endpoints.repository';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Tells WEBHOOKS_ADMIN_EMAILS, in ADMIN_EMAIL_LOCALE, that an endpoint was paused after its retry budget; nobody when unset. */
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
    const { t } = translator(this.config.ADMIN_EMAIL_LOCALE);
    const text = [
      t('admin.webhookPaused.paused', { id: e.id, url: e.url, reason }),
      t('admin.webhookPaused.cursor', { position: e.cursor.position }),
      t('admin.webhookPaused.resume', { request: `PATCH ${this.config.PUBLIC_BASE_URL}/v1/admin/webhooks/${e.id} {"status":"active"}` }),
    ].join('\n\n');
    try {
      await this.mailer.send({
        to: to.join(', '),
        subject: t('admin.webhookPaused.subject', { url: e.url }),
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
