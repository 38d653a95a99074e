import { TestDatabase, createTestDatabase } from '../support/database';
import { TestRedis, freePort } from '../support/redis-server';
import { waitFor } from '../support/wait';
import { Child, MAIN, TcpProxy, queuePrefix, requireBuild, spawnApp, spawnDist, viaPort } from './support';

interface LogLine {
  level: number;
  context?: string;
  msg?: string;
  req?: unknown;
  event?: string;
  errors?: number;
  [field: string]: unknown;
}
const lines = (c: Child): LogLine[] =>
  c
    .stdout()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LogLine);

/** `node dist/main.js` as an operator starts it: where it listens, and how it reports its dependencies. */
describe('start-up and dependency outages of the built server', () => {
  let db: TestDatabase;
  let redis: TestRedis;
  let app: Child | undefined;

  beforeAll(async () => {
    requireBuild();
    db = await createTestDatabase('startup');
    redis = await TestRedis.start();
  });
  afterAll(async () => {
    await app?.kill();
    await redis?.stop();
    await db?.drop();
  });

  it('with no USER and a DATABASE_URL naming no user it logs in as postgres, runs as the least-privilege runtime role it provisions, and prints one start-up line', async () => {
    const noUser = new URL(db.url);
    noUser.username = '';
    // spawnDist passes no USER or PGUSER: like `env -i PATH=$PATH HOME=$HOME npm start`.
    app = await spawnApp('all', { DATABASE_URL: noUser.toString(), REDIS_URL: redis.url, QUEUE_PREFIX: queuePrefix('startup'), LOG_LEVEL: 'info' });
    const own = lines(app).filter((l) => !l.req);
    expect(own).toHaveLength(1);
    expect(own[0]).toMatchObject({
      level: 30,
      context: 'almanac',
      role: 'all',
      url: `http://localhost:${app.port}`,
      database: `postgres://almanac_runtime:***@127.0.0.1:5432/${db.name}`,
      redis: redis.url,
    });
    expect(own[0].msg).toBe(
      `almanac all listening on http://localhost:${app.port} · database postgres://almanac_runtime:***@127.0.0.1:5432/${db.name} · Redis ${redis.url} (queue prefix ${String(own[0].queuePrefix)}) · mail: development mailbox at http://localhost:${app.port}/dev/mailbox`,
    );
    expect(app.stderr()).toBe('');
  });

  it('Redis going away and coming back is one warning each way, with a count, and nothing on stderr', async () => {
    const running = app!;
    await redis.stop();
    await waitFor('not ready', async () => (await fetch(`${running.baseUrl}/health/ready`)).status === 503, 15000, 100);
    const down = await waitFor('the outage warning', () => lines(running).find((l) => l.event === 'redis_unreachable'));
    expect(down).toMatchObject({ level: 40, redis: redis.url });
    expect(down.msg).toContain(`Redis at ${redis.url} is unreachable`);
    // Let ioredis fail a few reconnect attempts (each one an `error` event) before Redis returns.
    await waitFor('reconnect attempts', async () => (await fetch(`${running.baseUrl}/health/ready`)).status === 503 && Date.now() - (down.time as number) > 3000, 15000, 200);
    await redis.start();
    const up = await waitFor('the recovery warning', () => lines(running).find((l) => l.event === 'redis_reachable'), 20000, 100);
    expect(up.errors).toBeGreaterThan(1);
    expect(up.msg).toMatch(new RegExp(`^Redis at ${redis.url.replace(/\./g, '\\.')} is reachable again after [\\d.]+ s \\(\\d+ connection errors while it was away\\)$`));
    expect(lines(running).filter((l) => l.event === 'redis_unreachable')).toHaveLength(1);
    expect(lines(running).filter((l) => /ECONNREFUSED/.test(JSON.stringify(l)) && l.event !== 'redis_unreachable')).toEqual([]);
    expect(running.stderr()).toBe('');
    await waitFor('ready again', async () => (await fetch(`${running.baseUrl}/health/ready`)).status === 200, 15000, 100);
  });

  it('PostgreSQL going away and coming back is one warning each way, with a count; requests meanwhile are 503s, not logged errors', async () => {
    const pg = new URL(db.url);
    const proxy = await TcpProxy.start({ host: pg.hostname, port: Number(pg.port || 5432) });
    const c = await spawnApp('all', { DATABASE_URL: viaPort(db.url, proxy.port), QUEUE_PREFIX: queuePrefix('startup'), LOG_LEVEL: 'info' });
    try {
      await proxy.stop();
      // Requests and the projection sweep (every 2 s) keep failing while it is away.
      const down = await waitFor(
        'the outage warning',
        async () => {
          expect((await fetch(`${c.baseUrl}/v1/events?limit=1`)).status).toBe(503);
          return lines(c).find((l) => l.event === 'database_unreachable');
        },
        20000,
        200,
      );
      expect(down).toMatchObject({ level: 40, context: 'PostgreSQL' });
      expect(down.msg).toMatch(/^PostgreSQL at postgres:\/\/almanac_runtime:\*\*\*@127\.0\.0\.1:\d+\/\S+ is unreachable \(.+\); retrying$/);
      for (let i = 0; i < 3; i++) expect((await fetch(`${c.baseUrl}/v1/events?limit=1`)).status).toBe(503);
      await proxy.start();
      const up = await waitFor('the recovery warning', () => lines(c).find((l) => l.event === 'database_reachable'), 20000, 100);
      expect(up.errors).toBeGreaterThanOrEqual(4);
      expect(lines(c).filter((l) => l.event === 'database_unreachable')).toHaveLength(1);
      expect(
        lines(c)
          .filter((l) => l.level >= 40 && !l.event && !l.req)
          .map((l) => l.msg),
      ).toEqual([]);
      expect(c.stderr()).toBe('');
    } finally {
      await c.kill();
      await proxy.stop();
    }
  });

  it('Redis unreachable at start: exit 1 with one line naming Redis and REDIS_URL', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const c = await spawnDist(MAIN, ['api'], { DATABASE_URL: db.url, REDIS_URL: url, QUEUE_PREFIX: queuePrefix('startup') });
    expect((await c.exited).code).toBe(1);
    expect(c.stderr()).toMatch(new RegExp(`^almanac: cannot reach Redis at ${url}/?: connect ECONNREFUSED [^\\n]+\\. Start it, or set REDIS_URL \\(redis://host:6379\\)\\n$`));
  });

  it('PostgreSQL unreachable at start: exit 1 with one line naming it and DATABASE_URL, without the password', async () => {
    const url = `postgres://app:s3cret@127.0.0.1:${await freePort()}/almanac`;
    const c = await spawnDist(MAIN, ['all'], { DATABASE_URL: url, QUEUE_PREFIX: queuePrefix('startup') });
    expect((await c.exited).code).toBe(1);
    expect(c.stderr()).toMatch(
      /^almanac: cannot use PostgreSQL at postgres:\/\/app:\*\*\*@127\.0\.0\.1:\d+\/almanac: connect ECONNREFUSED [^\n]+\. Start it, or set DATABASE_URL \(postgres:\/\/user:password@host:5432\/almanac\)\n$/,
    );
    expect(c.stderr()).not.toContain('s3cret');
  });
});
