import { createIntl, createIntlCache, type IntlShape } from '@formatjs/intl';
import { en, type Catalogue, type MessageId } from '../messages/en';
import { ja } from '../messages/ja';
import { ko } from '../messages/ko';
import { mn } from '../messages/mn';
import { zh } from '../messages/zh';

/** The office's languages; the first is the fallback for any message a catalogue lacks. */
export const LOCALES = ['en', 'zh', 'ja', 'ko', 'mn'] as const;
export type Locale = (typeof LOCALES)[number];
const CATALOGUES: Record<Locale, Catalogue> = { en, zh, ja, ko, mn };
export const LANGUAGE_NAMES: Record<Locale, string> = { en: 'English', zh: '中文', ja: '日本語', ko: '한국어', mn: 'Монгол' };

/** `?lang=` first, then the browser's preferences, then English. */
export function pickLocale(search: string, preferred: readonly string[]): Locale {
  const asked = new URLSearchParams(search).get('lang');
  for (const tag of [asked, ...preferred]) {
    const base = tag?.toLowerCase().split('-')[0];
    if (base && (LOCALES as readonly string[]).includes(base)) return base as Locale;
  }
  return 'en';
}

/** The browser's own tag for the chosen language (en-GB, zh-TW…), so dates follow the visitor's regional habits. */
export function formatLocaleFor(locale: Locale, preferred: readonly string[]): string {
  return preferred.find((tag) => tag.toLowerCase().split('-')[0] === locale) ?? locale;
}

export interface I18n {
  /** The messages' language. */
  locale: Locale;
  /** The tag dates and numbers are formatted with. */
  formatLocale: string;
  intl: IntlShape<string>;
  t(id: MessageId, values?: Record<string, string | number>): string;
}

const cache = createIntlCache();

/** Messages per key: the locale's where it has one, English otherwise (never the bare key). */
export function createI18n(locale: Locale, preferred: readonly string[] = []): I18n {
  const messages: Record<string, string> = { ...en, ...CATALOGUES[locale] };
  const intl = createIntl({ locale, defaultLocale: 'en', messages, onError: () => undefined }, cache);
  return { locale, formatLocale: formatLocaleFor(locale, preferred), intl, t: (id, values) => intl.formatMessage({ id, defaultMessage: en[id] }, values) };
}
