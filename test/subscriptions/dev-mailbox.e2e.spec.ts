import { simpleParser } from 'mailparser';
import { TestApp, http, startTestApp } from '../support/app';
import { header } from '../support/smtp';
import { waitFor } from '../support/wait';

interface Item {
  messageId: string;
  to: string;
  subject: string;
  text: string;
  raw: string;
}

describe('development mailbox (SMTP_URL unset)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('devmailbox', { PUBLIC_BASE_URL: 'https://almanac.test' }, 'all');
  });

  afterAll(async () => {
    await t?.close();
  });

  it('lists the confirmation email at /dev/mailbox.json and /dev/mailbox', async () => {
    expect((await http(t.baseUrl, 'POST', '/v1/subscriptions', { body: { email: 'dev@example.org', name: 'Dev <b>' } })).status).toBe(202);
    const item = await waitFor('the confirmation in the dev mailbox', async () => {
      const r = await http<{ items: Item[] }>(t.baseUrl, 'GET', '/dev/mailbox.json');
      return r.body.items.find((i) => i.to === 'dev@example.org');
    });
    const mail = await simpleParser(item.raw);
    expect(mail.subject).toBe('Confirm your almanac subscription');
    expect(mail.messageId).toBe(item.messageId);
    expect(mail.text).toContain('Hello Dev <b>');
    expect(item.text).toBe(mail.text);
    // The README's walkthrough finds the link this way.
    expect(item.text).toMatch(/https:\/\/almanac\.test\/v1\/subscriptions\/confirm\?token=[A-Za-z0-9._-]+/);
    expect(mail.html).toContain('Hello Dev &lt;b&gt;');
    expect(header(mail, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(header(mail, 'List-Unsubscribe')).toMatch(/^<https:\/\/almanac\.test\/v1\/subscriptions\/unsubscribe\?token=/);

    const page = await http(t.baseUrl, 'GET', '/dev/mailbox');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.text).toContain('Confirm your almanac subscription');
    expect(page.text).not.toContain('Dev <b>');
  });
});
