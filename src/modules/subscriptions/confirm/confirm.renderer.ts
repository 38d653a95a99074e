import { Injectable } from '@nestjs/common';
import { translator } from '../../../common/i18n/i18n';
import { EmailRenderer, RenderedMail, Recipient, RegisterEmailRenderer } from '../../mail/mail.types';
import type { Preferences } from '../domain/subscription';
import { describeLeadTimes, describePreferences } from './describe-preferences';
import { confirmHtml, confirmText } from './confirm.templates';

export const CONFIRM_KIND = 'confirm';
/** How long a confirmation link works (subscription-links.ts signs it so). */
const LINK_DAYS = 7;

export interface ConfirmEmailPayload {
  confirmUrl: string;
  preferences: Preferences;
}

/**
 * The opt-in email (kind 'confirm'): a link that confirms, valid 7 days. Written in the
 * language the sign-up asked for (its `locale`, which the link's preferences carry too).
 */
@Injectable()
@RegisterEmailRenderer()
export class ConfirmEmailRenderer implements EmailRenderer<ConfirmEmailPayload> {
  readonly kind = CONFIRM_KIND;

  async render(payload: ConfirmEmailPayload, r: Recipient): Promise<RenderedMail> {
    // The link's own locale first: a new sign-up may ask for another language than the stored one.
    const tag = payload.preferences.locale || r.locale;
    const { t, locale } = translator(tag);
    const view = {
      lang: locale,
      greeting: r.name ? t('mail.greetingNamed', { name: r.name }) : t('mail.greeting'),
      intro: t('confirm.intro'),
      events: t('confirm.events', { filters: describePreferences(payload.preferences, tag) }),
      reminders: t('confirm.reminders', { count: payload.preferences.leadTimes.length, leadTimes: describeLeadTimes(payload.preferences.leadTimes, tag) }),
      openLink: t('confirm.openLink', { days: LINK_DAYS }),
      button: t('confirm.button'),
      linkValid: t('confirm.linkValid', { days: LINK_DAYS }),
      ignore: t('confirm.ignore'),
      stopAll: t('confirm.stopAll', { url: r.unsubscribeUrl }),
      stopAllLink: t('confirm.stopAllLink'),
      confirmUrl: payload.confirmUrl,
      unsubscribeUrl: r.unsubscribeUrl,
    };
    return { subject: t('confirm.subject'), text: confirmText(view), html: confirmHtml(view) };
  }
}
