import Handlebars from 'handlebars';

/**
 * The small pages behind the links in emails. A GET only shows a page; its one button POSTs
 * to the same URL, so a mail scanner that fetches every link changes nothing. No script, no
 * style sheet: the pages work in any browser under the strictest policy (see PAGE_CSP).
 * English only for now; `lang` says so.
 */
const hb = Handlebars.create();

/** Nothing may load, run or frame; the only thing a page can do is post its form to us. */
export const PAGE_CSP = "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

interface PageView {
  title: string;
  message: string;
  /** Present: the page offers one button that POSTs here. */
  action?: string;
  button?: string;
  details?: string[];
}

const layout = hb.compile<PageView>(`<!doctype html>
<html lang="en">
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

/** Inserted unescaped (`{{{action}}}`): a fixed path and an encodeURIComponent'd token hold no character HTML treats specially. */
const pathOf = (kind: LinkKind, token: string) => `/v1/subscriptions/${kind}?token=${encodeURIComponent(token)}`;

export function confirmPage(token: string, details: string[]): string {
  return layout({
    title: 'Confirm your subscription',
    message: 'Press the button to start receiving event reminders from almanac at this address.',
    details,
    action: pathOf('confirm', token),
    button: 'Confirm my subscription',
  });
}

export function unsubscribePage(token: string): string {
  return layout({
    title: 'Unsubscribe',
    message: 'Press the button to stop all email from almanac to this address.',
    action: pathOf('unsubscribe', token),
    button: 'Unsubscribe',
  });
}

export function outcomePage(title: string, message: string): string {
  return layout({ title, message });
}
