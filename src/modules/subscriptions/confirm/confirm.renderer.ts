import { Injectable } from '@nestjs/common';
import { EmailRenderer, RenderedMail, Recipient, RegisterEmailRenderer } from '../../mail/mail.types';
import type { Preferences } from '../domain/subscription';
import { confirmHtml, confirmSubject, confirmText } from './confirm.templates';

export const CONFIRM_KIND = 'confirm';

export interface ConfirmEmailPayload {
  confirmUrl: string;
  preferences: Preferences;
}

export function describePreferences(p: Preferences): string {
  const parts = [
    p.countries.length ? `in ${p.countries.join(', ')}` : '',
    p.programmes.length ? `programmes ${p.programmes.join(', ')}` : '',
    p.eventIds.length ? `${p.eventIds.length} chosen event(s)` : '',
  ].filter(Boolean);
  return parts.length ? parts.join('; ') : 'all events';
}

/** The opt-in email (kind 'confirm'): a link that confirms, valid 7 days. */
@Injectable()
@RegisterEmailRenderer()
export class ConfirmEmailRenderer implements EmailRenderer<ConfirmEmailPayload> {
  readonly kind = CONFIRM_KIND;

  async render(payload: ConfirmEmailPayload, r: Recipient): Promise<RenderedMail> {
    const view = {
      name: r.name,
      confirmUrl: payload.confirmUrl,
      unsubscribeUrl: r.unsubscribeUrl,
      filters: describePreferences(payload.preferences),
      leadTimes: payload.preferences.leadTimes.join(', '),
      expiresDays: 7,
    };
    return { subject: confirmSubject, text: confirmText(view), html: confirmHtml(view) };
  }
}
