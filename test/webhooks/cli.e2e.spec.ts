import { TestApp, http, startTestApp } from '../support/app';
import { waitFor } from '../support/wait';
import { TestWebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver';
import { CLI, requireBuild, spawnDist } from '../ops/support';

/** `npm run cli -- webhooks list` and `webhooks replay <id> --from <position>` of the built CLI, against a running app. */
describe('webhooks CLI', () => {
  let t: TestApp;
  let rx: TestWebhookReceiver;
  let admin: string;

  beforeAll(async () => {
    requireBuild();
    rx = await startWebhookReceiver();
    t = await startTestApp('webhooks-cli', { LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' }, 'all');
    admin = await t.token('root', 'admin');
  });
  afterAll(async () => {
    await t?.close();
    await rx?.close();
  });

  const cli = async (...args: string[]) => {
    const c = await spawnDist(CLI, args, { DATABASE_URL: t.db.url, QUEUE_PREFIX: t.config.QUEUE_PREFIX });
    const { code } = await c.exited;
    return { code, stdout: c.stdout(), stderr: c.stderr() };
  };

  it('lists endpoints with their deliveries, and replays one from a position', async () => {
    const ep = (await http<{ id: string }>(t.baseUrl, 'POST', '/v1/admin/webhooks', { token: admin, body: { url: rx.url, description: 'partners' } })).body;
    const staff = await t.token('sam', 'staff');
    for (const title of ['One', 'Two']) {
      const r = await http(t.baseUrl, 'POST', '/v1/events', {
        token: staff,
        body: { title, programme: 'culture', location: { city: 'Seoul', country: 'KR', venue: null }, start: { date: '2030-10-22' }, end: { date: '2030-10-23' } },
      });
      expect(r.status).toBe(201);
    }
    await waitFor('two deliveries', () => rx.accepted().length >= 2);
    const ids = rx.accepted().map((r) => r.headers['webhook-id']);
    const firstPosition = (JSON.parse(rx.accepted()[0].body) as { data: { position: string } }).data.position;
    await waitFor('the cursor recorded', async () => (await http<{ cursor: { position: string } }>(t.baseUrl, 'GET', `/v1/admin/webhooks/${ep.id}`, { token: admin })).body.cursor.position !== '0');

    const list = await cli('webhooks', 'list');
    expect(`exit ${list.code} ${list.stderr}`).toBe('exit 0 '); // stderr shown when it fails
    const items = JSON.parse(list.stdout) as { id: string; url: string; status: string; description: string; deliveries: { sent: number; failed: number }; lag: { events: number } }[];
    expect(items).toEqual([expect.objectContaining({ id: ep.id, url: rx.url, status: 'active', description: 'partners', deliveries: { sent: 2, failed: 0 }, lag: { events: 0, seconds: 0 } })]);
    expect(list.stdout).not.toContain('whsec_');

    const replay = await cli('webhooks', 'replay', ep.id, '--from', firstPosition);
    expect(`exit ${replay.code} ${replay.stderr}`).toBe('exit 0 ');
    expect(JSON.parse(replay.stdout)).toMatchObject({ id: ep.id, cursor: { position: firstPosition } });
    await waitFor('the replayed event', () => rx.accepted().length >= 3);
    expect(rx.accepted().map((r) => r.headers['webhook-id'])).toEqual([...ids, ids[1]]);

    const bad = await cli('webhooks', 'replay', ep.id, '--from', 'yesterday');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/log position/);
  });
});
