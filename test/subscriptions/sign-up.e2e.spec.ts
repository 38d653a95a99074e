import { getQueueToken } from '@nestjs/bullmq';
import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { createHttpApp } from '../../src/bootstrap';
import { QUEUES } from '../../src/jobs/catalog';
import { RedisClient } from '../../src/jobs/redis-client';
import { TestApp, http, startTestApp } from '../support/app';
import { TestDatabase, createTestDatabase } from '../support/database';
import { startTestWorker, testConfig } from '../support/worker';
import { TcpProxy, queuePrefix, viaPort } from '../ops/support';
import { TestSmtp, startTestSmtp } from '../support/smtp';
import { waitFor } from '../support/wait';
import { subscriberSide } from './support';

const BASE = 'https://almanac.test';

/** Headers that differ between any two responses whatever the request (a clock, an id, a counter). */
const VARYING = new Set(['date', 'x-request-id', 'ratelimit-remaining', 'keep-alive', 'connection']);

/** Public sign-up: no oracle for strangers, no flood for victims, no markup from names. */
describe('sign-up (e2e, real SMTP listener)', () => {
  let smtp: TestSmtp;
  let t: TestApp;
  let s: ReturnType<typeof subscriberSide>;

  beforeAll(async () => {
    smtp = await startTestSmtp();
    t = await startTestApp('signup', { SMTP_URL: smtp.url, PUBLIC_BASE_URL: BASE, MAIL_FROM: 'almanac@almanac.test', RATE_LIMIT_SUBSCRIPTIONS_PER_MINUTE: '0' }, 'all');
    s = subscriberSide(smtp, () => t.baseUrl, BASE);
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  const subscribe = (body: Record<string, unknown>) => http(t.baseUrl, 'POST', '/v1/subscriptions', { body });
  /** Every sign-up handed to the worker has been handled, and every email it queued has been dealt with. */
  const settled = () =>
    waitFor('sign-up and email queues drained', async () => {
      for (const name of [QUEUES.subscriptions, QUEUES.email]) {
        const c = await t.app.get<Queue>(getQueueToken(name)).getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        if (Object.values(c).some((n) => n > 0)) return false;
      }
      const open = (await t.db.dataSource.query(`SELECT count(*)::int AS n FROM deliveries WHERE status IN ('pending', 'sending')`)) as { n: number }[];
      return open[0].n === 0;
    });
  const shape = (r: { status: number; headers: Headers; body: unknown }) => ({
    status: r.status,
    headers: Object.fromEntries([...r.headers.entries()].filter(([k]) => !VARYING.has(k))),
    body: r.body,
  });

  it('answers identically for a new, a pending, a confirmed and an unsubscribed address: status, headers (no X-Log-Position), body and timing', async () => {
    // One address in each state.
    await subscribe({ email: 'pending@example.org' });
    await subscribe({ email: 'confirmed@example.org' });
    await subscribe({ email: 'gone@example.org' });
    const confirmed = await http(t.baseUrl, 'POST', s.confirmLink((await s.mailTo('confirmed@example.org')).parsed));
    expect(confirmed.status).toBe(200);
    const goneMail = (await s.mailTo('gone@example.org')).parsed;
    expect((await http(t.baseUrl, 'POST', s.confirmLink(goneMail))).status).toBe(200);
    expect((await http(t.baseUrl, 'POST', s.unsubscribeLink(goneMail))).status).toBe(200);
    await s.mailTo('pending@example.org');

    const states = ['new', 'pending', 'confirmed', 'gone'];
    const answers = await Promise.all(states.map(async (st) => shape(await subscribe({ email: `${st}@example.org`, programmes: ['culture'] }))));
    for (const a of answers) expect(a).toEqual(answers[0]);
    expect(answers[0].status).toBe(202);
    expect(answers[0].headers['x-log-position']).toBeUndefined();
    expect(answers[0].body).toEqual({ status: 'accepted', detail: expect.any(String) });

    // Timing: the API only seals and queues the request, so the state cannot show in the time
    // taken. Medians of interleaved rounds, one address per state (a fresh one for "new").
    const times: Record<string, number[]> = Object.fromEntries(states.map((st) => [st, []]));
    for (let round = 0; round < 15; round++) {
      for (const st of states) {
        const email = st === 'new' ? `new-${round}@example.org` : `${st}@example.org`;
        const started = process.hrtime.bigint();
        const r = await subscribe({ email, countries: ['MN'] });
        times[st].push(Number(process.hrtime.bigint() - started) / 1e6);
        expect(r.status).toBe(202);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const medians = states.map((st) => median(times[st]));
    expect(Math.max(...medians) - Math.min(...medians)).toBeLessThan(Math.max(5, Math.min(...medians)));
    await settled();
  });

  it('sends one address at most 3 confirmation emails in 24 hours, whatever the requests; counted by a keyed hash', async () => {
    const address = 'flooded@example.org';
    for (const programmes of [['culture'], ['education'], ['communication-information'], ['culture', 'education'], ['natural-sciences']]) {
      expect((await subscribe({ email: address, programmes, name: 'Mallory says hi' })).status).toBe(202);
    }
    // Different spellings of the same address count against the same allowance.
    expect((await subscribe({ email: ' FLOODED@example.org ', countries: ['JP'] })).status).toBe(202);
    await settled();
    await s.mailTo(address, 3);
    expect(s.mailsTo(address)).toHaveLength(3);
    const listed = await http<{ items: { kind: string; status: string }[] }>(t.baseUrl, 'GET', `/v1/admin/deliveries?email=${address}`, { token: await t.token('root', 'admin') });
    expect(listed.body.items.map((i) => `${i.kind} ${i.status}`)).toEqual(['confirm sent', 'confirm sent', 'confirm sent']);
    const redis = t.app.get(RedisClient);
    const keys = await redis.redis.keys(redis.key('confirm-cap', '*'));
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) expect(k).not.toMatch(/flooded/i);
  });

  it('normalises the name: control characters, line breaks and links cannot change the email', async () => {
    const name = 'Eve\r\nBcc: victim@example.org\r\n\r\nClaim your prize at https://evil.example/claim or www.evil.example <b>now</b>\u202e';
    await subscribe({ email: 'eve@example.org', name });
    const mail = (await s.mailTo('eve@example.org')).parsed;
    expect(mail.bcc).toBeUndefined();
    expect(mail.headerLines.map((h) => h.key)).not.toContain('bcc');
    expect(mail.text).toContain('Hello Eve Claim your prize at or <b>now</b>,\n');
    for (const part of [mail.text ?? '', String(mail.html)]) {
      expect(part).not.toMatch(/evil\.example|victim@|\u202e/);
    }
    expect(String(mail.html)).toContain('Hello Eve Claim your prize at or &lt;b&gt;now&lt;/b&gt;,');
  });
});

/**
 * Why the answer cannot depend on the address, timing included: the API does not look the
 * address up at all. With PostgreSQL cut off, sign-ups are still answered 202, identically,
 * and wait in the queue; a worker started once the database is back sends the confirmations.
 */
describe('sign-up without a database lookup in the request (e2e)', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let smtp: TestSmtp;
  let api: INestApplication;
  let worker: INestApplicationContext | undefined;
  let base: string;
  const prefix = queuePrefix('signup-nodb');

  beforeAll(async () => {
    [db, smtp] = await Promise.all([createTestDatabase('signupnodb'), startTestSmtp()]);
    const pg = new URL(db.url);
    proxy = await TcpProxy.start({ host: pg.hostname, port: Number(pg.port || 5432) });
    api = await createHttpApp(testConfig(viaPort(db.url, proxy.port), prefix, { SMTP_URL: smtp.url, PUBLIC_BASE_URL: BASE }), 'api');
    await api.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(api.getHttpServer().address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await proxy?.start().catch(() => undefined);
    await worker?.close();
    await api?.close();
    await proxy?.stop();
    await smtp?.close();
    await db?.drop();
  });

  it('answers 202, the same for every address, while PostgreSQL is unreachable; nothing is lost', async () => {
    const before = await http(base, 'POST', '/v1/subscriptions', { body: { email: 'early@example.org' } });
    expect(before.status).toBe(202);
    await proxy.stop();
    const answers = await Promise.all(['early@example.org', 'nobody-yet@example.org'].map((email) => http(base, 'POST', '/v1/subscriptions', { body: { email } })));
    for (const a of answers) expect({ status: a.status, body: a.body }).toEqual({ status: 202, body: before.body });
    // Reads that need the database do fail meanwhile: the database is really gone.
    expect((await http(base, 'GET', '/v1/events')).status).toBe(503);

    await proxy.start();
    worker = await startTestWorker(testConfig(db.url, prefix, { SMTP_URL: smtp.url, PUBLIC_BASE_URL: BASE }));
    const side = subscriberSide(smtp, () => base, BASE);
    await side.mailTo('nobody-yet@example.org');
    await side.mailTo('early@example.org');
  });
});
