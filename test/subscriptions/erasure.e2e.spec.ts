import { createHash } from 'node:crypto';
import Redis from 'ioredis';
import { TokenService } from '../../src/modules/auth/tokens';
import { TEST_JWT_SECRET, http } from '../support/app';
import { TestDatabase, createTestDatabase } from '../support/database';
import { TestSmtp, startTestSmtp } from '../support/smtp';
import { waitFor } from '../support/wait';
import { Child, REDIS_URL, queuePrefix, requireBuild, spawnApp } from '../ops/support';

const ADDRESS = 'Zeb.Quixote@Example.org';
const NAME = 'Zebulon Quixotic';
/** What must not be found anywhere once the subscriber is erased (compared case-insensitively). */
const NEEDLES = [ADDRESS.toLowerCase(), 'zebulon', 'quixotic'];

interface DeliveryItem {
  subscriptionId: string;
  status: string;
  reason: string | null;
  reasonCode: string | null;
}

/**
 * Right to be forgotten, end to end, on the built service as it runs in production (its own
 * process, JSON logs at debug level): sign up, a delivery the SMTP server rejects quoting the
 * address, erasure; then the whole database, every Redis key and value of the service's prefix
 * and every line the service logged are searched for the address and the name.
 */
describe('erasure leaves no personal data behind (e2e, built service, real SMTP listener)', () => {
  let db: TestDatabase;
  let smtp: TestSmtp;
  let app: Child;
  let admin: string;
  const prefix = queuePrefix('erasure');
  const redis = new Redis(REDIS_URL, { lazyConnect: true });

  beforeAll(async () => {
    requireBuild();
    [db, smtp] = await Promise.all([createTestDatabase('erasure'), startTestSmtp()]);
    smtp.rejectRecipient(ADDRESS);
    app = await spawnApp('all', {
      DATABASE_URL: db.url,
      QUEUE_PREFIX: prefix,
      SMTP_URL: smtp.url,
      PUBLIC_BASE_URL: 'https://almanac.test',
      DATA_KEY_SECRET: 'erasure-test-data-key-secret-0123456789abcdef',
      LOG_LEVEL: 'debug',
    });
    admin = await new TokenService(TEST_JWT_SECRET).sign('root', ['admin']);
    await redis.connect();
  });
  afterAll(async () => {
    await app?.kill();
    await smtp?.close();
    await db?.drop();
    if (redis.status === 'ready') {
      const keys = await redis.keys(`{${prefix}}*`);
      if (keys.length) await redis.del(...keys);
    }
    redis.disconnect();
  });

  /** Every row of every table of the database, as JSON text. */
  async function dumpDatabase(): Promise<{ tables: string[]; text: string }> {
    const tables = (await db.dataSource.query(`SELECT format('%I.%I', schemaname, tablename) AS t FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`)) as {
      t: string;
    }[];
    const parts: string[] = [];
    for (const { t } of tables) {
      const rows = (await db.dataSource.query(`SELECT row_to_json(x)::text AS j FROM ${t} x`)) as { j: string }[];
      parts.push(`-- ${t}\n${rows.map((r) => r.j).join('\n')}`);
    }
    return { tables: tables.map((r) => r.t), text: parts.join('\n') };
  }

  /** Every key under the service's prefix, with its value whatever its type. */
  async function dumpRedis(): Promise<{ keys: string[]; text: string }> {
    const keys = await redis.keys(`{${prefix}}*`);
    const parts: string[] = [];
    for (const k of keys) {
      const type = await redis.type(k);
      const value =
        type === 'string'
          ? await redis.get(k)
          : type === 'hash'
            ? JSON.stringify(await redis.hgetall(k))
            : type === 'list'
              ? JSON.stringify(await redis.lrange(k, 0, -1))
              : type === 'set'
                ? JSON.stringify(await redis.smembers(k))
                : type === 'zset'
                  ? JSON.stringify(await redis.zrange(k, 0, -1, 'WITHSCORES'))
                  : type === 'stream'
                    ? JSON.stringify(await redis.xrange(k, '-', '+'))
                    : `(${type})`;
      parts.push(`${k} ${value}`);
    }
    return { keys, text: parts.join('\n') };
  }

  const hits = (haystack: string) => NEEDLES.filter((n) => haystack.toLowerCase().includes(n));

  it('sign up, delivery rejected (550 quoting the address), erase: zero hits for the address and the name in the database, Redis and the logs', async () => {
    const signUp = { email: ADDRESS, name: NAME, countries: ['CN'] };
    const r = await http(app.baseUrl, 'POST', '/v1/subscriptions', { body: signUp, headers: { 'idempotency-key': 'erasure-1' } });
    expect(r.status).toBe(202);

    const byEmail = `/v1/admin/deliveries?email=${encodeURIComponent(ADDRESS)}`;
    const failed = await waitFor('the confirmation refused by the SMTP server', async () => {
      const res = await http<{ items: DeliveryItem[] }>(app.baseUrl, 'GET', byEmail, { token: admin });
      return res.body.items.find((i) => i.status === 'failed');
    });
    // The server's reply is kept for admins, with the address replaced.
    expect(failed.reasonCode).toBe('smtp-550');
    expect(failed.reason).toContain('550');
    expect(failed.reason).toContain('[address]');
    expect(failed.reason).toContain('Recipient address rejected');
    expect(hits(failed.reason!)).toEqual([]);

    // The idempotency record is an HMAC under a server secret, not a plain hash of the body.
    const idem = (await db.dataSource.query(`SELECT request_hash FROM idempotency_keys WHERE key = 'erasure-1'`)) as { request_hash: string }[];
    expect(idem).toHaveLength(1);
    const plain = createHash('sha256')
      .update(`POST /v1/subscriptions\n${JSON.stringify(signUp)}`)
      .digest('hex');
    expect(idem[0].request_hash).not.toBe(plain);

    expect((await http(app.baseUrl, 'DELETE', `/v1/admin/subscriptions/${failed.subscriptionId}`, { token: admin })).status).toBe(204);
    await waitFor('the read model marks the subscription erased', async () => {
      const rows = (await db.dataSource.query('SELECT status FROM subscriptions_view WHERE id = $1', [failed.subscriptionId])) as { status: string }[];
      return rows[0]?.status === 'erased';
    });
    // The admin search by address finds nothing any more (the keyed hash is gone too).
    expect((await http<{ items: unknown[] }>(app.baseUrl, 'GET', byEmail, { token: admin })).body.items).toEqual([]);

    const database = await dumpDatabase();
    const keys = await dumpRedis();
    const logs = `${app.stdout()}\n${app.stderr()}`;
    // Each search looked at real content: the tables, the queues, the request lines.
    expect(database.tables).toEqual(expect.arrayContaining(['public.events', 'public.deliveries', 'public.subscription_keys', 'public.idempotency_keys', 'public.subscriptions_view']));
    expect(database.text).toContain(failed.subscriptionId);
    expect(keys.keys.some((k) => k.includes(':subscriptions:'))).toBe(true);
    expect(keys.keys.some((k) => k.includes(':email:'))).toBe(true);
    expect(logs).toContain('"url":"/v1/admin/deliveries?email=[redacted]"');
    expect(logs).toContain('"url":"/v1/subscriptions"');

    expect({ database: hits(database.text), redis: hits(keys.text), logs: hits(logs) }).toEqual({ database: [], redis: [], logs: [] });
  });

  it('an idempotency record expires: after IDEMPOTENCY_TTL_HOURS (24 h) the key is free again', async () => {
    const first = await http(app.baseUrl, 'POST', '/v1/subscriptions', { body: { email: 'ttl@example.org' }, headers: { 'idempotency-key': 'ttl-1' } });
    expect(first.status).toBe(202);
    const reused = await http(app.baseUrl, 'POST', '/v1/subscriptions', { body: { email: 'other@example.org' }, headers: { 'idempotency-key': 'ttl-1' } });
    expect(reused.status).toBe(422);
    await db.dataSource.query(`UPDATE idempotency_keys SET created_at = now() - interval '24 hours 1 minute' WHERE key = 'ttl-1'`);
    const later = await http(app.baseUrl, 'POST', '/v1/subscriptions', { body: { email: 'other@example.org' }, headers: { 'idempotency-key': 'ttl-1' } });
    expect(later.status).toBe(202);
    expect(later.headers.get('idempotent-replayed')).toBeNull();
  });
});
