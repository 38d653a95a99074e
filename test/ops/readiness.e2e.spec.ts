import { getQueueToken } from '@nestjs/bullmq';
import type { INestApplication } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { createHttpApp } from '../../src/bootstrap';
import { QUEUES } from '../../src/jobs/catalog';
import { TokenService } from '../../src/modules/auth/tokens';
import { TEST_JWT_SECRET, http } from '../support/app';
import { TestDatabase, createTestDatabase } from '../support/database';
import { TestRedis } from '../support/redis-server';
import { waitFor } from '../support/wait';
import { testConfig } from '../support/worker';
import { TcpProxy, event, queuePrefix, viaPort } from './support';

interface Problem {
  status: number;
  code: string;
  detail: string;
}

/** /health/ready follows PostgreSQL and Redis; writes while PostgreSQL is gone are clean 503s. */
describe('readiness and dependency failures', () => {
  let db: TestDatabase;
  let redis: TestRedis;
  let proxy: TcpProxy;
  let app: INestApplication;
  let base: string;
  let staff: string;

  beforeAll(async () => {
    db = await createTestDatabase('ready');
    redis = await TestRedis.start();
    const pg = new URL(db.url);
    proxy = await TcpProxy.start({ host: pg.hostname, port: Number(pg.port || 5432) });
    app = await createHttpApp(testConfig(viaPort(db.url, proxy.port), queuePrefix('ready'), { REDIS_URL: redis.url }), 'api');
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    staff = await new TokenService(TEST_JWT_SECRET).sign('alice', ['staff']);
  });
  afterAll(async () => {
    await proxy?.start().catch(() => undefined); // let the pool close cleanly
    await app?.close();
    await redis?.stop();
    await proxy?.stop();
    await db?.drop();
  });

  const ready = () => http<{ status: string } & Problem>(base, 'GET', '/health/ready');

  it('is live and ready with both dependencies up', async () => {
    expect((await http(base, 'GET', '/health/live')).status).toBe(200);
    const r = await ready();
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'ok', info: { postgres: { status: 'up' }, redis: { status: 'up' } } });
  });

  it('Redis stopped: ready is 503 NOT_READY naming redis within seconds; started again: 200', async () => {
    await redis.stop();
    const down = await waitFor(
      'ready to report Redis down',
      async () => {
        const r = await ready();
        return r.status === 503 ? r : undefined;
      },
      5000,
      100,
    );
    expect(down.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(down.body.code).toBe('NOT_READY');
    expect(down.body.detail).toMatch(/redis/);
    expect(down.headers.get('retry-after')).toBe('5');
    // Liveness does not depend on anything: an orchestrator must not restart the process for it.
    expect((await http(base, 'GET', '/health/live')).status).toBe(200);

    await redis.start();
    await waitFor('ready again after Redis restarts', async () => (await ready()).status === 200, 15000, 100);
    // The API's queue connections come back too (they retry about once a second), so wake-ups
    // of the projections resume without a restart.
    await waitFor(
      'queues usable again',
      async () => {
        for (const name of Object.values(QUEUES)) await app.get<Queue>(getQueueToken(name)).getJobCounts('waiting');
        return true;
      },
      15000,
      200,
    );
  });

  it('PostgreSQL cut off: ready is 503, a write is 503 DATABASE_UNAVAILABLE with nothing written; back: ready and writes work again', async () => {
    await proxy.stop();
    const down = await waitFor(
      'ready to report PostgreSQL down',
      async () => {
        const r = await ready();
        return r.status === 503 ? r : undefined;
      },
      5000,
      100,
    );
    expect(down.body.code).toBe('NOT_READY');
    expect(down.body.detail).toMatch(/postgres/);

    const id = randomUUID();
    const write = await http<Problem>(base, 'POST', '/v1/events', { token: staff, body: { ...event('during the outage'), id } });
    expect(write.status).toBe(503);
    expect(write.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(write.body.code).toBe('DATABASE_UNAVAILABLE');
    expect(write.headers.get('retry-after')).toBeTruthy();

    await proxy.start();
    await waitFor('ready again after PostgreSQL is back', async () => (await ready()).status === 200, 15000, 100);
    // Nothing half-written: the refused write left no trace in the log.
    expect(await db.dataSource.query('SELECT 1 FROM events WHERE stream_id = $1', [`calendar-event-${id}`])).toHaveLength(0);
    // The pool recovered by itself: writes succeed without a restart.
    const after = await http<{ id: string }>(base, 'POST', '/v1/events', { token: staff, body: event('after the outage') });
    expect(after.status).toBe(201);
    expect(await db.dataSource.query('SELECT 1 FROM events WHERE stream_id = $1', [`calendar-event-${after.body.id}`])).toHaveLength(1);
  });
});
