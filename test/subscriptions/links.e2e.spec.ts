import { SubscriptionLinks } from '../../src/modules/subscriptions/subscription-links';
import { TestApp, http, startTestApp } from '../support/app';
import { TestSmtp, header, startTestSmtp } from '../support/smtp';
import { subscriberSide } from './support';

const BASE = 'https://almanac.test';

/**
 * Mail scanners fetch every link of every message: a GET of a confirm or unsubscribe link
 * shows a page and changes nothing; the page's one button (a form POST) does the change.
 */
describe('confirm and unsubscribe links (e2e, real SMTP listener)', () => {
  let smtp: TestSmtp;
  let t: TestApp;
  let s: ReturnType<typeof subscriberSide>;

  beforeAll(async () => {
    smtp = await startTestSmtp();
    t = await startTestApp('links', { SMTP_URL: smtp.url, PUBLIC_BASE_URL: BASE, MAIL_FROM: 'almanac@almanac.test', RATE_LIMIT_SUBSCRIPTIONS_PER_MINUTE: '0' }, 'all');
    s = subscriberSide(smtp, () => t.baseUrl, BASE);
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  const subscribe = (body: Record<string, unknown>) => http(t.baseUrl, 'POST', '/v1/subscriptions', { body });
  const eventTypes = async (id: string) =>
    ((await t.db.dataSource.query('SELECT type FROM events WHERE stream_id = $1 ORDER BY version', [`subscription-${id}`])) as { type: string }[]).map((e) => e.type);
  const subscriptionOf = async (address: string): Promise<string> => {
    const rows = (await t.db.dataSource.query(`SELECT DISTINCT subscription_id AS id FROM deliveries WHERE kind = 'confirm' ORDER BY 1`)) as { id: string }[];
    const mine = [];
    for (const r of rows) {
      const res = await http<{ items: { subscriptionId: string }[] }>(t.baseUrl, 'GET', `/v1/admin/deliveries?email=${encodeURIComponent(address)}`, { token: await t.token('root', 'admin') });
      if (res.body.items.some((i) => i.subscriptionId === r.id)) mine.push(r.id);
    }
    expect(mine).toHaveLength(1);
    return mine[0];
  };

  it('confirm: the GET (a scanner, or a person) shows a page with one button and confirms nothing; the button confirms', async () => {
    await subscribe({ email: 'scanned@example.org', countries: ['KR'] });
    const link = s.confirmLink((await s.mailTo('scanned@example.org')).parsed);
    const id = await subscriptionOf('scanned@example.org');

    // A scanner: a plain GET, any Accept, several times.
    for (const accept of ['*/*', 'text/html', 'application/json']) {
      const r = await fetch(`${t.baseUrl}${link}`, { headers: { accept } });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    }
    expect(await eventTypes(id)).toEqual(['SubscriptionRequested']);

    const pageRes = await s.browse(link);
    expect(pageRes.status).toBe(200);
    expect(pageRes.html).toContain('Confirm your subscription');
    expect(pageRes.html).toContain('in South Korea');
    expect(pageRes.html).toMatch(/<form method="post" action="\/v1\/subscriptions\/confirm\?token=[^"]+"><button type="submit">Confirm my subscription<\/button><\/form>/);
    expect(pageRes.html).not.toMatch(/<script|<style|style=|<link|<img/i);
    // Strict policy: nothing loads or runs; the only thing the page can do is post its form here.
    expect(pageRes.headers.get('content-security-policy')).toBe("default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    expect(pageRes.headers.get('cache-control')).toBe('no-store');
    expect(pageRes.headers.get('referrer-policy')).toBe('no-referrer');

    const done = await s.press(pageRes.html);
    expect(done.status).toBe(200);
    expect(done.headers.get('content-type')).toMatch(/^text\/html/);
    expect(done.html).toContain('Subscription confirmed');
    expect(await eventTypes(id)).toEqual(['SubscriptionRequested', 'SubscriptionConfirmed']);

    // The link used: its page says so, with no button; pressing again (an old tab) changes nothing.
    const used = await s.browse(link);
    expect(used.status).toBe(200);
    expect(used.html).toContain('Already confirmed');
    expect(used.html).not.toContain('<form');
    expect((await s.press(pageRes.html)).html).toContain('Already confirmed');
    expect(await eventTypes(id)).toEqual(['SubscriptionRequested', 'SubscriptionConfirmed']);
  });

  it('unsubscribe: GETs of the link in the body and of List-Unsubscribe change nothing; the button unsubscribes; RFC 8058 one-click POST works with no cookie', async () => {
    for (const who of ['button', 'oneclick']) {
      const address = `leaving-${who}@example.org`;
      await subscribe({ email: address });
      const mail = (await s.mailTo(address)).parsed;
      const confirmed = await http<{ subscriptionId: string }>(t.baseUrl, 'POST', s.confirmLink(mail));
      expect(confirmed.status).toBe(200);
      const id = confirmed.body.subscriptionId;
      const bodyLink = s.unsubscribeLink(mail);
      const listUnsubscribe = s.local(/^<(.+)>$/.exec(header(mail, 'List-Unsubscribe')!)![1]);
      expect(header(mail, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');

      for (const path of [bodyLink, listUnsubscribe]) {
        const r = await fetch(`${t.baseUrl}${path}`);
        expect(r.status).toBe(200);
        expect(await r.text()).toContain('<button type="submit">Unsubscribe</button>');
      }
      expect(await eventTypes(id)).toEqual(['SubscriptionRequested', 'SubscriptionConfirmed']);

      if (who === 'button') {
        const done = await s.press((await s.browse(bodyLink)).html);
        expect(done.status).toBe(200);
        expect(done.html).toContain('You are unsubscribed');
      } else {
        // What a mail provider sends (RFC 8058 §3.2): a form POST, no cookie, no Authorization.
        const r = await fetch(`${t.baseUrl}${listUnsubscribe}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
        expect(r.status).toBe(200);
        expect(await r.json()).toEqual({ status: 'unsubscribed' });
      }
      expect(await eventTypes(id)).toEqual(['SubscriptionRequested', 'SubscriptionConfirmed', 'Unsubscribed']);
      const rows = (await t.db.dataSource.query(`SELECT data FROM events WHERE stream_id = $1 AND type = 'Unsubscribed'`, [`subscription-${id}`])) as { data: { reason: string } }[];
      expect(rows[0].data.reason).toBe(who === 'button' ? 'link' : 'one-click');
      // Afterwards the page says so and offers nothing to press.
      const after = await s.browse(bodyLink);
      expect(after.html).toContain('You are unsubscribed');
      expect(after.html).not.toContain('<form');
    }
  });

  it('expired, forged and missing links get a clear HTML page (not JSON), for the GET and the button alike', async () => {
    await subscribe({ email: 'late@example.org' });
    const link = s.confirmLink((await s.mailTo('late@example.org')).parsed);
    const id = await subscriptionOf('late@example.org');
    const prefs = { countries: [], programmes: [], eventIds: [], leadTimes: ['P1D'], locale: 'en' };
    const expired = s.local(await t.app.get(SubscriptionLinks).confirmUrl({ subscriptionId: id, version: 1, preferences: prefs }, Math.floor(Date.now() / 1000) - 60));

    const cases: [string, number, string][] = [
      [expired, 410, 'This link has expired'],
      [`${link.slice(0, -4)}AAAA`, 400, 'This link is not valid'],
      ['/v1/subscriptions/confirm', 400, 'This link is not valid'],
      ['/v1/subscriptions/unsubscribe?token=x.y.z', 400, 'This link is not valid'],
    ];
    for (const [path, status, title] of cases) {
      const page = await s.browse(path);
      expect({ path, status: page.status, type: page.headers.get('content-type') }).toEqual({ path, status, type: expect.stringMatching(/^text\/html/) });
      expect(page.html).toContain(title);
      expect(page.html).not.toContain('<form');
      // The button of a page opened before the link expired: the same page, from the POST.
      const posted = await fetch(`${t.baseUrl}${path}`, { method: 'POST', headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
      expect(posted.status).toBe(status);
      expect(posted.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await posted.text()).toContain(title);
    }
    expect(await eventTypes(id)).toEqual(['SubscriptionRequested']);
    // A program still gets problem+json.
    const api = await http(t.baseUrl, 'POST', expired);
    expect(api.status).toBe(410);
    expect(api.headers.get('content-type')).toContain('application/problem+json');
    expect(api.body).toMatchObject({ code: 'LINK_EXPIRED' });
  });

  it("pages speak the browser's language (Accept-Language among the office's), English otherwise; the JSON answers stay English", async () => {
    await subscribe({ email: 'polyglot@example.org', countries: ['MN'] });
    const link = s.confirmLink((await s.mailTo('polyglot@example.org')).parsed);
    const open = async (acceptLanguage: string | null, path = link) => {
      const r = await fetch(`${t.baseUrl}${path}`, { headers: { accept: 'text/html', ...(acceptLanguage ? { 'accept-language': acceptLanguage } : {}) } });
      return { language: r.headers.get('content-language'), vary: r.headers.get('vary') ?? '', html: await r.text() };
    };
    const ko = await open('ko-KR,ko;q=0.9,en-US;q=0.8');
    expect(ko.language).toBe('ko');
    expect(ko.vary).toMatch(/accept-language/i);
    expect(ko.html).toContain('<html lang="ko">');
    expect(ko.html).toContain('<h1>구독 확인</h1>');
    expect(ko.html).toContain('국가: 몽골');
    expect(ko.html).toContain('<button type="submit">구독 확인</button>');
    // q-values decide: Mongolian preferred over Japanese.
    expect((await open('ja;q=0.5, mn;q=0.8')).html).toContain('<h1>Бүртгэлээ баталгаажуулах</h1>');
    expect((await open('zh-CN')).html).toContain('<h1>确认订阅</h1>');
    for (const other of ['fr-FR', '*', null]) {
      const en = await open(other);
      expect(en.language).toBe('en');
      expect(en.html).toContain('<h1>Confirm your subscription</h1>');
    }
    // A refusal page too.
    expect((await open('ja', '/v1/subscriptions/unsubscribe?token=x.y.z')).html).toContain('<h1>このリンクは無効です</h1>');
    const api = await http(t.baseUrl, 'POST', '/v1/subscriptions/unsubscribe?token=x.y.z', { headers: { 'accept-language': 'ko' } });
    expect(api.body).toMatchObject({ code: 'LINK_INVALID', detail: expect.stringContaining('this link is not valid') });
  });
});
