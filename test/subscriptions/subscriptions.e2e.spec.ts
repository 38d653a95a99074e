import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import type { ParsedMail } from 'mailparser';
import { JOBS, QUEUES } from '../../src/jobs/catalog';
import { Deliveries } from '../../src/modules/mail/deliveries';
import { SubscriberDirectory } from '../../src/modules/subscriptions/subscriber-directory';
import { SubscriptionLinks } from '../../src/modules/subscriptions/subscription-links';
import { TestApp, http, startTestApp } from '../support/app';
import { ReceivedMail, TestSmtp, header, settled, startTestSmtp } from '../support/smtp';
import { waitFor } from '../support/wait';

const BASE = 'https://almanac.test';

interface DeliveryItem {
  deliveryKey: string;
  kind: string;
  subscriptionId: string;
  eventId: string | null;
  status: string;
  reason: string | null;
  reasonCode: string | null;
  attempts: number;
  messageId: string | null;
  sentAt: string | null;
}

describe('subscriptions (e2e, real SMTP listener)', () => {
  let smtp: TestSmtp;
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    // This file sends far more than a client may per minute; the limit has its own tests (test/ops/rate-limit.e2e.spec.ts).
    smtp = await startTestSmtp();
    t = await startTestApp('subscriptions', { SMTP_URL: smtp.url, PUBLIC_BASE_URL: BASE, MAIL_FROM: 'almanac@almanac.test', RATE_LIMIT_SUBSCRIPTIONS_PER_MINUTE: '0' }, 'all');
    admin = await t.token('root', 'admin');
  });

  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  const mailsTo = (address: string): ReceivedMail[] => smtp.messages.filter((m) => m.envelopeTo.some((a) => a.toLowerCase() === address.toLowerCase()));
  /** The settle window before counting: no email for 2 s and no email job left that could still send. */
  const quiet = () => settled(smtp, [{ queue: t.app.get<Queue>(getQueueToken(QUEUES.email)), states: ['waiting', 'active', 'delayed', 'prioritized'] }]);
  const mailTo = (address: string, n = 1) => waitFor(`${n} email(s) to ${address}`, () => mailsTo(address).length >= n && mailsTo(address)[n - 1], 20000);
  /** The link in an email, pointed at the test server (PUBLIC_BASE_URL is a fake https origin). */
  const local = (url: string) => {
    expect(url.startsWith(`${BASE}/`)).toBe(true);
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  };
  const confirmLink = (m: ParsedMail): string => {
    const link = /(https:\/\/\S+\/v1\/subscriptions\/confirm\?token=[\w.-]+)/.exec(m.text ?? '')?.[1];
    expect(link).toBeDefined();
    expect((m.html || '').replace(/&#x3D;/g, '=')).toContain(`href="${link}"`);
    return local(link!);
  };
  /** An API client confirming: POST to the link, JSON back. */
  const confirmByPost = (path: string) => http<{ subscriptionId: string; status: string; changed: boolean; code?: string }>(t.baseUrl, 'POST', path);
  const status = async (id: string) => ((await t.db.dataSource.query('SELECT status, email_hash FROM subscriptions_view WHERE id = $1', [id])) as { status: string; email_hash: string | null }[])[0];
  const subscribe = (body: Record<string, unknown>) => http(t.baseUrl, 'POST', '/v1/subscriptions', { body });

  it('opt-in round trip: 202, confirmation email, link confirms, second confirm harmless, expired link refused', async () => {
    const r = await subscribe({ email: 'Ada@Example.org', name: 'Ada Lovelace', countries: ['kr', 'CN'], leadTimes: ['PT2H', 'P1D'] });
    expect(r.status).toBe(202);
    const mail = (await mailTo('Ada@Example.org')).parsed;

    expect(mail.subject).toBe('Confirm your almanac subscription');
    expect(mail.text).toContain('Hello Ada Lovelace');
    expect(mail.text).toContain('events: in China and South Korea');
    expect(mail.text).toContain('reminders: 2 hours and 1 day before each event');
    expect(mail.html).toContain('<a href="https://almanac.test/v1/subscriptions/confirm?token&#x3D;');
    expect(mail.messageId).toMatch(/^<[0-9a-f]{64}@almanac\.test>$/);
    expect(mail.from?.text).toBe('almanac@almanac.test');
    const unsubscribe = header(mail, 'List-Unsubscribe');
    expect(unsubscribe).toMatch(/^<https:\/\/almanac\.test\/v1\/subscriptions\/unsubscribe\?token=[\w.-]+>$/);
    expect(header(mail, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');

    const link = confirmLink(mail);
    const first = await confirmByPost(link);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'confirmed', changed: true });
    const id = first.body.subscriptionId;
    await waitFor('read model confirmed', async () => (await status(id))?.status === 'confirmed');

    const again = await confirmByPost(link);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'confirmed', changed: false });
    const types = (await t.db.dataSource.query('SELECT type FROM events WHERE stream_id = $1 ORDER BY version', [`subscription-${id}`])) as { type: string }[];
    expect(types.map((e) => e.type)).toEqual(['SubscriptionRequested', 'SubscriptionConfirmed']);

    const links = t.app.get(SubscriptionLinks);
    const prefs = { countries: [], programmes: [], eventIds: [], leadTimes: ['P1D'], locale: 'en' };
    const expired = await links.confirmUrl({ subscriptionId: id, version: 1, preferences: prefs }, Math.floor(Date.now() / 1000) - 60);
    const refused = await confirmByPost(local(expired));
    expect(refused.status).toBe(410);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ code: 'LINK_EXPIRED' });
    const forged = await confirmByPost(`${link.slice(0, -4)}AAAA`);
    expect(forged.status).toBe(400);
    expect(forged.body).toMatchObject({ code: 'LINK_INVALID' });

    // The address is never in clear in the log, nor the name.
    const leaks = await t.db.dataSource.query(`SELECT count(*)::int AS n FROM events WHERE data::text ILIKE '%ada@example.org%' OR data::text ILIKE '%Lovelace%'`);
    expect(leaks[0].n).toBe(0);
  });

  it('a known address gets the same 202 and no second subscription; its new preferences apply only through the link', async () => {
    const first = await subscribe({ email: 'grace@example.org' });
    expect(first.status).toBe(202);
    const link1 = confirmLink((await mailTo('grace@example.org')).parsed);
    const confirmed = await confirmByPost(link1);
    const id = confirmed.body.subscriptionId;

    const second = await subscribe({ email: 'GRACE@example.org ', programmes: ['culture'] });
    expect(second.status).toBe(202);
    expect(second.body).toEqual(first.body);
    const keys = await t.db.dataSource.query(
      'SELECT count(*)::int AS n FROM subscription_keys WHERE subscription_id <> $1 AND email_hash = (SELECT email_hash FROM subscription_keys WHERE subscription_id = $1)',
      [id],
    );
    expect(keys[0].n).toBe(0);
    const mail2 = (await mailTo('grace@example.org', 2)).parsed;
    expect(mail2.text).toContain('programmes Culture');
    const applied = await confirmByPost(confirmLink(mail2));
    expect(applied.body).toMatchObject({ subscriptionId: id, changed: true });
    await waitFor('programmes applied', async () => {
      const rows = (await t.db.dataSource.query('SELECT programmes FROM subscriptions_view WHERE id = $1', [id])) as { programmes: string[] }[];
      return rows[0]?.programmes.join() === 'culture';
    });
  });

  it('validation: 400 problem+json with errors[]', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ email: 'not-an-address' }, 'email'],
      [{ email: 'a@example.org', leadTimes: ['PT1M'] }, 'leadTimes'],
      [{ email: 'a@example.org', leadTimes: ['P31D'] }, 'leadTimes'],
      [{ email: 'a@example.org', leadTimes: ['PT5M', 'PT10M', 'PT1H', 'P1D', 'P2D', 'P3D'] }, 'leadTimes'],
      [{ email: 'a@example.org', leadTimes: ['tomorrow'] }, 'leadTimes'],
      [{ email: 'a@example.org', countries: ['XX'] }, 'countries'],
      [{ email: 'a@example.org', programmes: ['astrology'] }, 'programmes'],
      [{ email: 'a@example.org', eventIds: ['nope'] }, 'eventIds'],
      [{ email: 'a@example.org', surprise: true }, 'surprise'],
    ];
    for (const [body, field] of cases) {
      const r = await subscribe(body);
      expect({ body, status: r.status }).toEqual({ body, status: 400 });
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect((r.body.errors as { field: string }[]).map((e) => e.field)).toContain(field);
    }
    const ok = await subscribe({ email: 'edge@example.org', leadTimes: ['PT5M', 'P30D'] });
    expect(ok.status).toBe(202);
  });

  it('one-click unsubscribe (RFC 8058): a form POST with no auth to the List-Unsubscribe URL', async () => {
    await subscribe({ email: 'katherine@example.org' });
    const mail = (await mailTo('katherine@example.org')).parsed;
    const c = await confirmByPost(confirmLink(mail));
    const id = c.body.subscriptionId;
    const url = /^<(.+)>$/.exec(header(mail, 'List-Unsubscribe')!)![1];

    const res = await fetch(`${t.baseUrl}${local(url)}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(res.status).toBe(200);
    await waitFor('read model unsubscribed', async () => (await status(id))?.status === 'unsubscribed');
    // Twice is harmless; a forged token is refused.
    expect((await fetch(`${t.baseUrl}${local(url)}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' })).status).toBe(200);
    expect(
      (await http(t.baseUrl, 'POST', '/v1/subscriptions/unsubscribe?token=x.y.z', { body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status,
    ).toBe(400);
    const types = (await t.db.dataSource.query('SELECT type, metadata FROM events WHERE stream_id = $1 ORDER BY version', [`subscription-${id}`])) as { type: string; metadata: { actor: string } }[];
    expect(types.map((e) => e.type)).toEqual(['SubscriptionRequested', 'SubscriptionConfirmed', 'Unsubscribed']);
    expect(types[2].metadata.actor).toBe(`subscriber:${id}`);

    // The old confirmation link cannot resurrect it: its page says so, and its POST is refused.
    const stale = await fetch(`${t.baseUrl}${confirmLink(mail)}`, { headers: { accept: 'text/html' } });
    expect(stale.status).toBe(410);
    const html = await stale.text();
    expect(html).toContain('This link no longer works');
    expect(html).not.toContain('<form');
    expect((await confirmByPost(confirmLink(mail))).status).toBe(410);
  });

  it('SMTP refusing (4xx) for a while: retried with backoff, delivered exactly once', async () => {
    smtp.refuse(451);
    const before = smtp.refused;
    await subscribe({ email: 'retry@example.org' });
    await waitFor('two refusals', () => smtp.refused >= before + 2, 20000);
    smtp.accept();
    await mailTo('retry@example.org');
    const d = await waitFor('delivery sent', async () => {
      const r = await http<{ items: DeliveryItem[] }>(t.baseUrl, 'GET', '/v1/admin/deliveries?email=retry@example.org', { token: admin });
      return r.body.items.find((i) => i.status === 'sent');
    });
    expect(d.kind).toBe('confirm');
    expect(d.attempts).toBeGreaterThan(1);
    expect(d.messageId).toMatch(/@almanac\.test>$/);
    await quiet();
    expect(mailsTo('retry@example.org')).toHaveLength(1);
  });

  it('SMTP refusing for good (5xx): failed at once with the reason, not retried', async () => {
    smtp.refuse(550);
    try {
      await subscribe({ email: 'bounce@example.org' });
      const d = await waitFor('delivery failed', async () => {
        const r = await http<{ items: DeliveryItem[] }>(t.baseUrl, 'GET', '/v1/admin/deliveries?email=bounce@example.org', { token: admin });
        return r.body.items.find((i) => i.status === 'failed');
      });
      expect(d.attempts).toBe(1);
      expect(d.reason).toContain('550');
      expect(d.reasonCode).toBe('smtp-550');
    } finally {
      smtp.accept();
    }
  });

  it('an admin retries a failed delivery: sent once; a second retry, an unknown key or a non-admin is refused', async () => {
    smtp.refuse(550);
    let failed: DeliveryItem;
    try {
      await subscribe({ email: 'later@example.org' });
      failed = await waitFor('delivery failed', async () => {
        const r = await http<{ items: DeliveryItem[] }>(t.baseUrl, 'GET', '/v1/admin/deliveries?email=later@example.org', { token: admin });
        return r.body.items.find((i) => i.status === 'failed');
      });
    } finally {
      smtp.accept();
    }
    expect(mailsTo('later@example.org')).toHaveLength(0);
    const url = `/v1/admin/deliveries/${encodeURIComponent(failed.deliveryKey)}/retry`;
    expect((await http(t.baseUrl, 'POST', url, { token: await t.token('bob', 'staff') })).status).toBe(403);

    const r = await http<DeliveryItem>(t.baseUrl, 'POST', url, { token: admin });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ deliveryKey: failed.deliveryKey, status: 'pending', reason: 'retry requested by root' });
    const mail = await mailTo('later@example.org');
    expect(mail.parsed.subject).toMatch(/confirm/i);
    const sent = await waitFor('delivery sent', async () => {
      const res = await http<{ items: DeliveryItem[] }>(t.baseUrl, 'GET', '/v1/admin/deliveries?email=later@example.org', { token: admin });
      return res.body.items.find((i) => i.status === 'sent');
    });
    expect(sent.attempts).toBe(2);

    const again = await http<{ code: string; detail: string }>(t.baseUrl, 'POST', url, { token: admin });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
    expect(again.body.code).toBe('DELIVERY_NOT_RETRYABLE');
    expect(again.body.detail).toContain('this one is sent');
    const unknown = await http<{ code: string }>(t.baseUrl, 'POST', `/v1/admin/deliveries/${encodeURIComponent('confirm|nobody|1|0')}/retry`, { token: admin });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('DELIVERY_NOT_FOUND');
    await quiet();
    expect(mailsTo('later@example.org')).toHaveLength(1);
  });

  it('GET /v1/admin/deliveries: by email (keyed hash) for admins only', async () => {
    await subscribe({ email: 'audre@example.org' });
    await mailTo('audre@example.org');
    const r = await waitFor('confirmation delivery listed', async () => {
      const res = await http<{ items: DeliveryItem[] }>(t.baseUrl, 'GET', '/v1/admin/deliveries?email=Audre@Example.org', { token: admin });
      return res.status === 200 && res.body.items.some((i) => i.status === 'sent') && res;
    });
    expect(r.body.items).toHaveLength(1);
    expect(r.body.items[0]).toMatchObject({ kind: 'confirm', eventId: null, status: 'sent', attempts: 1, reason: null });
    expect(r.body.items[0].sentAt).toEqual(expect.any(String));
    const none = await http<{ items: DeliveryItem[] }>(t.baseUrl, 'GET', '/v1/admin/deliveries?email=nobody@example.org', { token: admin });
    expect(none.body.items).toEqual([]);
    const staff = await http(t.baseUrl, 'GET', '/v1/admin/deliveries?email=audre@example.org', { token: await t.token('bob', 'staff') });
    expect(staff.status).toBe(403);
    expect((await http(t.baseUrl, 'GET', '/v1/admin/deliveries')).status).toBe(401);
  });

  it('idempotent sending: a sent delivery is never sent again; two concurrent claims, one winner', async () => {
    await subscribe({ email: 'once@example.org' });
    await mailTo('once@example.org');
    const deliveries = t.app.get(Deliveries);
    const [d] = (await waitFor('sent', async () => {
      const r = await http<{ items: DeliveryItem[] }>(t.baseUrl, 'GET', '/v1/admin/deliveries?email=once@example.org', { token: admin });
      return r.body.items[0]?.status === 'sent' && r.body.items;
    })) as DeliveryItem[];
    expect(await deliveries.enqueue({ deliveryKey: d.deliveryKey, kind: 'confirm', subscriptionId: d.subscriptionId, eventId: null, payload: {} })).toBe(false);
    // A stray job for the same delivery (another id, as after a lost Redis write) finds it sent.
    const queue = t.app.get<Queue>(getQueueToken(QUEUES.email));
    const job = await queue.add(JOBS.email.send, { deliveryKey: d.deliveryKey, kind: 'confirm', subscriptionId: d.subscriptionId, eventId: null, payload: {} }, { jobId: 'stray-1' });
    await waitFor('stray job done', async () => (await queue.getJobState(job.id!)) === 'completed');
    await quiet();
    expect(mailsTo('once@example.org')).toHaveLength(1);

    const key = `claim-race|${d.subscriptionId}`;
    const claims = await Promise.all([1, 2, 3, 4].map(() => deliveries.claim({ deliveryKey: key, kind: 'none', subscriptionId: d.subscriptionId, eventId: null, payload: null })));
    expect(claims.filter(Boolean)).toHaveLength(1);
  });

  it('crypto-shredding: DELETE destroys the key, the log still verifies, later emails are skipped', async () => {
    await subscribe({ email: 'erase-me@example.org', name: 'Ernestine Erasable' });
    const c = await confirmByPost(confirmLink((await mailTo('erase-me@example.org')).parsed));
    const id = c.body.subscriptionId;
    const leaks = () => t.db.dataSource.query(`SELECT count(*)::int AS n FROM events WHERE data::text ILIKE '%erase-me@example.org%' OR data::text ILIKE '%Erasable%'`);
    expect((await leaks())[0].n).toBe(0);
    expect(await t.app.get(SubscriberDirectory).recipient(id)).toMatchObject({ email: 'erase-me@example.org', name: 'Ernestine Erasable' });

    expect((await http(t.baseUrl, 'DELETE', `/v1/admin/subscriptions/${id}`, { token: await t.token('bob', 'staff') })).status).toBe(403);
    const del = await http(t.baseUrl, 'DELETE', `/v1/admin/subscriptions/${id}`, { token: admin });
    expect(del.status).toBe(204);
    expect((await http(t.baseUrl, 'DELETE', `/v1/admin/subscriptions/${id}`, { token: admin })).status).toBe(204); // idempotent
    expect((await http(t.baseUrl, 'DELETE', '/v1/admin/subscriptions/00000000-0000-4000-8000-000000000000', { token: admin })).status).toBe(404);

    const key = (await t.db.dataSource.query('SELECT key, email_hash, destroyed_at FROM subscription_keys WHERE subscription_id = $1', [id]))[0];
    expect(key).toMatchObject({ key: null, email_hash: null, destroyed_at: expect.any(Date) });
    await waitFor('read model erased', async () => {
      const s = await status(id);
      return s?.status === 'erased' && s.email_hash === null;
    });
    expect((await leaks())[0].n).toBe(0);
    expect(await t.app.get(SubscriberDirectory).recipient(id)).toBeNull();

    const verify = await http<{ ok: boolean; broken: unknown[] }>(t.baseUrl, 'GET', '/v1/audit/verify', { token: await t.token('carol', 'auditor') });
    expect(verify.status).toBe(200);
    expect(verify.body).toMatchObject({ ok: true, broken: [] });

    // Anything still queued for them is skipped, with the reason.
    await t.app.get(Deliveries).enqueue({ deliveryKey: `after-erasure|${id}`, kind: 'confirm', subscriptionId: id, eventId: null, payload: {} });
    const skipped = await waitFor('delivery skipped', async () => {
      const rows = (await t.db.dataSource.query(`SELECT status, reason FROM deliveries WHERE delivery_key = $1`, [`after-erasure|${id}`])) as { status: string; reason: string }[];
      return rows[0]?.status === 'skipped' && rows[0];
    });
    expect(skipped.reason).toContain('erased');
    // And the address can subscribe afresh, as a new subscription.
    await subscribe({ email: 'erase-me@example.org' });
    await mailTo('erase-me@example.org', 2);
  });
});
