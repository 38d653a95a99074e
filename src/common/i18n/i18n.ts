import { createIntl, createIntlCache } from '@formatjs/intl';
import { type Catalogue, type MessageId, en } from './messages/en';
import { ja } from './messages/ja';
import { ko } from './messages/ko';
import { mn } from './messages/mn';
import { zh } from './messages/zh';

export type { MessageId } from './messages/en';

/** The office's languages, as the web console has them; the first is the fallback. */
export const LOCALES = ['en', 'zh', 'ja', 'ko', 'mn'] as const;
export type Locale = (typeof LOCALES)[number];
export const CATALOGUES: Record<Locale, Catalogue> = { en, zh, ja, ko, mn };

/** A tag's base language (`ko-KR` → `ko`) when it is one of ours; null otherwise. */
export function knownLocale(tag: string | null | undefined): Locale | null {
  const base = tag?.trim().toLowerCase().split(/[-_]/)[0];
  return base && (LOCALES as readonly string[]).includes(base) ? (base as Locale) : null;
}

/** A subscriber's stored tag (`ko-KR`, `zh-Hant`, `fr`, anything) → the language we write in: its base language if we have it, else English. */
export function pickLocale(tag: string | null | undefined): Locale {
  return knownLocale(tag) ?? 'en';
}

export type MessageValues = Record<string, string | number>;

export interface Translator {
  readonly locale: Locale;
  t(id: MessageId, values?: MessageValues): string;
}

const cache = createIntlCache();

/**
 * Messages per key: the catalogue's where it has one, English otherwise (never the bare key).
 * A translation that does not format (a broken ICU pattern) also falls back to English:
 * @formatjs/intl formats `defaultMessage` when `id`'s message fails.
 */
export function createTranslator(locale: Locale, catalogue: Catalogue = CATALOGUES[locale]): Translator {
  const messages: Record<string, string> = { ...en, ...catalogue };
  const intl = createIntl({ locale, defaultLocale: 'en', messages, onError: () => undefined }, cache);
  return { locale, t: (id, values) => intl.formatMessage({ id, defaultMessage: en[id] }, values) };
}

const translators = new Map<Locale, Translator>(LOCALES.map((l) => [l, createTranslator(l)]));

/** The translator for a stored tag or a negotiated language. */
export function translator(tag: string | null | undefined): Translator {
  return translators.get(pickLocale(tag))!;
}
