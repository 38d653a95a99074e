import type { ParsedMail } from 'mailparser';
import { ReceivedMail, TestSmtp } from '../support/smtp';
import { waitFor } from '../support/wait';

/** Helpers for the subscriber's side: mails to an address, the links in them, a browser's GET and button press. */
export function subscriberSide(smtp: TestSmtp, baseUrl: () => string, publicBase: string) {
  const mailsTo = (address: string): ReceivedMail[] => smtp.messages.filter((m) => m.envelopeTo.some((a) => a.toLowerCase() === address.toLowerCase()));
  const mailTo = (address: string, n = 1) => waitFor(`${n} email(s) to ${address}`, () => mailsTo(address).length >= n && mailsTo(address)[n - 1], 20000);
  /** A link of an email, as a path on the test server (PUBLIC_BASE_URL is a fake https origin). */
  const local = (url: string): string => {
    if (!url.startsWith(`${publicBase}/`)) throw new Error(`${url} is not under ${publicBase}`);
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  };
  const confirmLink = (m: ParsedMail): string => {
    const link = /(https:\/\/\S+\/v1\/subscriptions\/confirm\?token=[\w.-]+)/.exec(m.text ?? '')?.[1];
    if (!link) throw new Error('no confirmation link in the email');
    return local(link);
  };
  const unsubscribeLink = (m: ParsedMail): string => {
    const link = /(https:\/\/\S+\/v1\/subscriptions\/unsubscribe\?token=[\w.-]+)/.exec(m.text ?? '')?.[1];
    if (!link) throw new Error('no unsubscribe link in the email');
    return local(link);
  };
  /** A browser opening a link: GET, asking for HTML. */
  const browse = async (path: string) => {
    const res = await fetch(`${baseUrl()}${path}`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    return { status: res.status, headers: res.headers, html: await res.text() };
  };
  /** The same browser pressing the page's one button: the form's POST, no cookie, no script. */
  const press = async (html: string) => {
    const action = /<form method="post" action="([^"]+)">/.exec(html)?.[1];
    if (!action) throw new Error(`the page has no form: ${html}`);
    const res = await fetch(`${baseUrl()}${action.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=')}`, {
      method: 'POST',
      headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8', 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    return { status: res.status, headers: res.headers, html: await res.text() };
  };
  return { mailsTo, mailTo, local, confirmLink, unsubscribeLink, browse, press };
}
