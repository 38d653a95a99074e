import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config/config';
import type { Subscriber } from '../subscriptions/subscriber-directory';
import type { Outcome } from './deliveries';
import { EmailRenderers } from './email-renderers';
import { type SendEmailPayload, messageIdFor } from './email.payload';
import { failureReason } from './failure-reason';
import { Mailer, OutgoingMail, RenderScope } from './mail.types';
import { PermanentMailError } from './mailers';

export type Attempt = { status: 'sent'; messageId: string } | { status: 'skipped'; reason: string } | { status: 'failed'; reason: string };

/** What a thrown attempt records: `failed` when permanent (a 5xx) or the last attempt, else back to `pending` for a retry. */
export function failedAttempt(err: unknown, attempt: number, last: boolean): { outcome: Outcome; permanent: boolean; message: string } {
  const permanent = err instanceof PermanentMailError;
  // Stored, listed and logged (BullMQ keeps the thrown message while it retries): without addresses.
  const { code, reason } = failureReason(err);
  const outcome: Outcome = last || permanent ? { status: 'failed', reason, code } : { status: 'pending', reason: `attempt ${attempt} failed: ${reason}`, code };
  return { outcome, permanent, message: `${code}: ${reason}` };
}

/**
 * One claimed delivery to its subscriber, loaded by the caller: the sendability rules, the
 * renderer of its kind, the delivery's Message-ID and unsubscribe headers, the transport. Shared
 * by the single send job and the batch job, so both send the same email for the same row (the
 * batch passes one scope to all its sends, so what they share is read and rendered once).
 * An SMTP (or any other) failure is thrown; the caller records it.
 */
@Injectable()
export class DeliverySender {
  constructor(
    private readonly renderers: EmailRenderers,
    private readonly mailer: Mailer,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async send(p: SendEmailPayload, sub: Subscriber | null, scope: RenderScope = new RenderScope()): Promise<Attempt> {
    if (!sub) return { status: 'skipped', reason: 'unknown subscription' };
    if (!sub.recipient) return { status: 'skipped', reason: 'the subscriber was erased' };
    const sendable = p.kind === 'confirm' ? sub.status === 'pending' || sub.status === 'confirmed' : sub.status === 'confirmed';
    if (!sendable) return { status: 'skipped', reason: `the subscription is ${sub.status}` };
    const renderer = this.renderers.get(p.kind);
    if (!renderer) return { status: 'failed', reason: `no renderer for email kind ${p.kind}` };
    const rendered = await renderer.render(p.payload, sub.recipient, scope);
    if ('skip' in rendered) return { status: 'skipped', reason: rendered.skip };
    const mail: OutgoingMail = {
      ...rendered,
      to: sub.recipient.email,
      messageId: messageIdFor(p.deliveryKey, this.config.MAIL_FROM),
      // RFC 8058 one-click unsubscribe on every email to a subscriber, whatever its kind.
      headers: { ...rendered.headers, 'List-Unsubscribe': `<${sub.recipient.unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    };
    const sent = await this.mailer.send(mail);
    if (!sent.accepted) throw new Error('the mail server accepted no recipient');
    return { status: 'sent', messageId: sent.messageId };
  }
}
