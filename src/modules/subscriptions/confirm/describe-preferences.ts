import { describeLead, listOf, regionName } from '../../../common/i18n/format';
import { type MessageId, translator } from '../../../common/i18n/i18n';
import { en } from '../../../common/i18n/messages/en';
import type { Preferences } from '../domain/subscription';

/**
 * What a subscription asks for, in the reader's language: "in South Korea and China;
 * programmes Culture; 2 chosen events", or "all events". Shown by the confirmation email and
 * the confirm page.
 */
export function describePreferences(p: Preferences, locale = 'en'): string {
  const { t } = translator(locale);
  const parts = [
    p.countries.length
      ? t('prefs.countries', {
          countries: listOf(
            p.countries.map((c) => regionName(c, locale)),
            locale,
          ),
        })
      : '',
    p.programmes.length
      ? t('prefs.programmes', {
          programmes: listOf(
            p.programmes.map((x) => programmeName(x, locale)),
            locale,
          ),
        })
      : '',
    p.eventIds.length ? t('prefs.events', { count: p.eventIds.length }) : '',
  ].filter(Boolean);
  return parts.length ? parts.join(t('prefs.separator')) : t('prefs.all');
}

/** "1 day and 2 hours" (each lead time a subscriber chose), in the reader's language. */
export function describeLeadTimes(leadTimes: readonly string[], locale = 'en'): string {
  return listOf(
    leadTimes.map((l) => describeLead(l, locale)),
    locale,
  );
}

function programmeName(programme: string, locale: string): string {
  const id = `programme.${programme}`;
  return isMessageId(id) ? translator(locale).t(id) : programme;
}

const isMessageId = (id: string): id is MessageId => Object.hasOwn(en, id);
