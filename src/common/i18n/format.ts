import { Duration } from 'luxon';
import { boundedMemo } from '../memo';

// Pure in their keys, and a fan-out asks the same questions for every recipient.
const locales = boundedMemo<string>(1000);
const leads = boundedMemo<string>(1000);

/**
 * The tag dates, numbers and names are formatted with: the subscriber's own (ko-KR, fr…) when
 * Intl knows it, English otherwise — an odd stored locale must not break an email.
 */
export function usableLocale(locale: string | null | undefined): string {
  return locales(locale ?? '', () => checkLocale(locale));
}

function checkLocale(locale: string | null | undefined): string {
  try {
    return locale && Intl.DateTimeFormat.supportedLocalesOf([locale]).length ? locale : 'en';
  } catch {
    return 'en';
  }
}

/** "1 day", "5 minutes": a lead time in the reader's language. */
export function describeLead(leadTime: string, locale: string): string {
  return leads(`${leadTime}|${locale}`, () => formatLead(leadTime, locale));
}

function formatLead(leadTime: string, locale: string): string {
  const d = Duration.fromISO(leadTime);
  if (!d.isValid) return leadTime;
  return d
    .reconfigure({ locale: usableLocale(locale) })
    .removeZeros()
    .toHuman({ unitDisplay: 'long' });
}

/** "A, B and C" in the reader's language. */
export function listOf(items: readonly string[], locale: string): string {
  return new Intl.ListFormat(usableLocale(locale), { style: 'long', type: 'conjunction' }).format(items);
}

/** A country's name in the reader's language ("KR" → "South Korea", "대한민국"); the code when Intl has no name. */
export function regionName(code: string, locale: string): string {
  try {
    return new Intl.DisplayNames([usableLocale(locale)], { type: 'region', fallback: 'code' }).of(code) ?? code;
  } catch {
    return code;
  }
}
