import Handlebars from 'handlebars';
import accepts from 'accepts';
import type { FastifyRequest } from 'fastify';
import { LOCALES, type Locale, type MessageId, translator } from '../../../common/i18n/i18n';
import { describeLeadTimes, describePreferences } from '../confirm/describe-preferences';
import type { Preferences } from '../domain/subscription';

/**
 * The small pages behind the links in emails. A GET only shows a page; its one button POSTs
 * to the same URL, so a mail scanner that fetches every link changes nothing. No script, no
 * style sheet: the pages work in any browser under the strictest policy (see PAGE_CSP).
 * Written in the browser's language (Accept-Language) among the office's, English otherwise.
 */
const hb = Handlebars.create();

/** Nothing may load, run or frame; the only thing a page can do is post its form to us. */
export const PAGE_CSP = "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

interface PageView {
  lang: string;
  title: string;
  message: string;
  /** Present: the page offers one button that POSTs here. */
  action?: string;
  button?: string;
  details?: string[];
}

const layout = hb.compile<PageView>(`<!doctype html>
<html lang="{{lang}}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>{{title}} · almanac</title></head>
<body>
<main>
<h1>{{title}}</h1>
<p>{{message}}</p>
{{#if details}}<ul>{{#each details}}<li>{{this}}</li>{{/each}}</ul>{{/if}}
{{#if action}}<form method="post" action="{{{action}}}"><button type="submit">{{button}}</button></form>{{/if}}
</main>
</body>
</html>
`);

export type LinkKind = 'confirm' | 'unsubscribe';

/**
 * The page's language from the browser's Accept-Language, negotiated by the `accepts` package
 * (over `negotiator`: q-values, and `ko-KR` matches `ko`); none of ours accepted: English.
 */
export function pageLocale(req: FastifyRequest): Locale {
  const picked = accepts(req.raw).languages([...LOCALES]);
  return typeof picked === 'string' ? (picked as Locale) : 'en';
}

/** Inserted unescaped (`{{{action}}}`): a fixed path and an encodeURIComponent'd token hold no character HTML treats specially. */
const pathOf = (kind: LinkKind, token: string) => `/v1/subscriptions/${kind}?token=${encodeURIComponent(token)}`;

/** What the confirm link would subscribe to, as the email said it. */
function confirmDetails(p: Preferences, locale: Locale): string[] {
  const { t } = translator(locale);
  return [t('confirm.events', { filters: describePreferences(p, locale) }), t('confirm.reminders', { count: p.leadTimes.length, leadTimes: describeLeadTimes(p.leadTimes, locale) })];
}

export function confirmPage(token: string, preferences: Preferences | null, locale: Locale): string {
  const { t } = translator(locale);
  return layout({
    lang: locale,
    title: t('page.confirm.title'),
    message: t('page.confirm.message'),
    details: preferences ? confirmDetails(preferences, locale) : [],
    action: pathOf('confirm', token),
    button: t('confirm.button'),
  });
}

export function unsubscribePage(token: string, locale: Locale): string {
  const { t } = translator(locale);
  return layout({
    lang: locale,
    title: t('page.unsubscribe.title'),
    message: t('page.unsubscribe.message'),
    action: pathOf('unsubscribe', token),
    button: t('page.unsubscribe.button'),
  });
}

/** How many days a confirmation link works: the number some messages state. */
const LINK_DAYS = 7;

/** A page that only says how things stand (no button). */
export function outcomePage(title: MessageId, message: MessageId, locale: Locale): string {
  const { t } = translator(locale);
  return layout({ lang: locale, title: t(title), message: t(message, { days: LINK_DAYS }) });
}
