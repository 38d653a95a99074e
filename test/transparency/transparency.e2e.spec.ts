import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { eventHash } from '../../src/events/hash-chain';
import { PostgresEventStore } from '../../src/events/postgres-event-store';
import { SEALER_PROJECTION } from '../../src/modules/audit/transparency/sealer.projection';
import { ProjectionRebuilder } from '../../src/projections/projection.rebuilder';
import { TestApp, http, startTestApp } from '../support/app';
import { waitFor } from '../support/wait';
import { mth, openNote, path, proof } from './interop';

const CLI = resolve(__dirname, '../../dist/cli/main.js');
const run = promisify(execFile);
const ORIGIN = 'almanac.test/almanac';
const meta = { actor: 'alice', correlationId: 'c-1', causationId: 'c-1' };

interface Verification {
  ok: boolean;
  signatureValid: boolean;
  treeSize: number;
  consistent: boolean;
  firstDivergentLeaf?: { leafIndex: number; position: string; streamId: string; version: number };
}
interface ExportEvent {
  position: string;
  streamId: string;
  version: number;
  hash: string;
  leafIndex: number | null;
}
type Row = Record<string, unknown>;

/**
 * A log that signs checkpoints anyone can keep, and proves later that it only ever grew:
 * each kind of tampering a database owner can do — drop a stream's last event, drop a whole
 * stream, rewrite a stream and recompute its hashes — is caught against a kept checkpoint,
 * over HTTP, with the CLI live and offline, naming the first leaf that differs.
 */
describe('transparency log: checkpoints, proofs and tampering by the database owner', () => {
  let t: TestApp;
  let auditor: string;
  let owner: Client;
  let store: PostgresEventStore;
  let dir: string;
  const s = { a: 'ledger-a', b: 'ledger-b', c: 'ledger-c', d: 'ledger-d' };

  const env = () => ({ ...process.env, NODE_ENV: 'test', DATABASE_URL: t.db.url, CHECKPOINT_ORIGIN: ORIGIN, LOG_LEVEL: 'silent' });
  const cli = async (...args: string[]) => {
    try {
      const r = await run('node', [CLI, ...args], { env: env(), maxBuffer: 64 * 1024 * 1024 });
      return { code: 0, stdout: r.stdout };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      if (typeof e.code !== 'number') throw err;
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
  const checkpointOf = async (size: number) =>
    waitFor(`a checkpoint of ${size} leaves`, async () => {
      const r = await http(t.baseUrl, 'GET', '/v1/audit/checkpoint');
      return r.text.split('\n')[1] === String(size) ? r.text : undefined;
    });
  const verify = async (note: string) => (await http<Verification>(t.baseUrl, 'POST', '/v1/audit/verify-checkpoint', { token: auditor, body: note, headers: { 'content-type': 'text/plain' } })).body;
  const exportEvents = async (): Promise<ExportEvent[]> => {
    const r = await http(t.baseUrl, 'GET', '/v1/audit/export', { token: auditor });
    return r.text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Row & ExportEvent)
      .filter((o) => o.kind === undefined);
  };
  const rows = async (where: string, params: unknown[]) => (await owner.query<Row>(`SELECT *, transaction_id::text AS transaction_id FROM events WHERE ${where} ORDER BY position`, params)).rows;
  /** As the owner, with the append-only triggers off for this transaction only. */
  const asOwner = async (fn: () => Promise<unknown>) => {
    await owner.query('BEGIN');
    await owner.query('SET LOCAL session_replication_role = replica');
    await fn();
    await owner.query('COMMIT');
  };
  const restore = (gone: Row[]) =>
    asOwner(async () => {
      for (const r of gone) {
        await owner.query(
          `INSERT INTO events (position, id, stream_id, version, type, schema_version, data, metadata, recorded_at, prev_hash, hash, transaction_id)
           OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::xid8)`,
          [r.position, r.id, r.stream_id, r.version, r.type, r.schema_version, r.data, r.metadata, r.recorded_at, r.prev_hash, r.hash, r.transaction_id],
        );
      }
    });

  let checkpoint: string;
  let vkey: string;
  let leafOf: Map<string, ExportEvent>;

  beforeAll(async () => {
    t = await startTestApp('transparency', { CHECKPOINT_ORIGIN: ORIGIN, CHECKPOINT_INTERVAL_SECONDS: '3600' }, 'all');
    auditor = await t.token('auditor-1', 'auditor');
    owner = new Client({ connectionString: t.db.url });
    await owner.connect();
    store = t.app.get(PostgresEventStore);
    dir = await mkdtemp(join(tmpdir(), 'almanac-transparency-'));
    for (let v = 0; v < 3; v++) for (const stream of Object.values(s)) await store.append(stream, v, [{ type: 'Entry', data: { n: v + 1 } }], meta);
    checkpoint = await checkpointOf(12);
    vkey = (await http(t.baseUrl, 'GET', '/v1/audit/verifier-key')).text;
    leafOf = new Map((await exportEvents()).map((e) => [`${e.streamId}@${e.version}`, e]));
  });
  afterAll(async () => {
    await owner?.end();
    await t?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('publishes a C2SP checkpoint that an independent reader of the spec verifies, over an RFC 9162 root of the export', async () => {
    const r = await http(t.baseUrl, 'GET', '/v1/audit/checkpoint');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
    const opened = openNote(checkpoint, vkey);
    expect(opened).toMatchObject({ origin: ORIGIN, treeSize: 12, keyName: ORIGIN });
    const events = (await exportEvents()).sort((x, y) => (x.leafIndex ?? 0) - (y.leafIndex ?? 0));
    expect(events.map((e) => e.leafIndex)).toEqual([...Array(12).keys()]);
    expect(mth(events.map((e) => Buffer.from(e.hash, 'hex'))).equals(opened.root)).toBe(true);
    // A signature by another key, or an edited body, does not verify.
    expect(() => openNote(checkpoint.replace('\n12\n', '\n13\n'), vkey)).toThrow(/bad signature/);
    expect(await verify(checkpoint)).toEqual({ ok: true, signatureValid: true, treeSize: 12, consistent: true });
    expect((await verify(checkpoint.replace('\n12\n', '\n11\n'))).signatureValid).toBe(false);
  });

  it('proves inclusion and consistency with the RFC 9162 audit paths', async () => {
    const events = (await exportEvents()).sort((x, y) => (x.leafIndex ?? 0) - (y.leafIndex ?? 0));
    const d = events.map((e) => Buffer.from(e.hash, 'hex'));
    const target = events[5];
    const inc = await http<{ leafIndex: number; treeSize: number; hashes: string[] }>(t.baseUrl, 'GET', `/v1/audit/proof/inclusion?position=${target.position}&treeSize=12`, { token: auditor });
    expect(inc.status).toBe(200);
    expect(inc.body).toEqual({ leafIndex: 5, treeSize: 12, hashes: path(5, d).map((h) => h.toString('base64')) });
    const con = await http<{ from: number; to: number; hashes: string[] }>(t.baseUrl, 'GET', '/v1/audit/proof/consistency?from=7&to=12', { token: auditor });
    expect(con.body).toEqual({ from: 7, to: 12, hashes: proof(7, d).map((h) => h.toString('base64')) });
    // Bad input is a 4xx problem, never a 5xx; proofs are for auditors only.
    expect((await http(t.baseUrl, 'GET', '/v1/audit/proof/consistency?from=7&to=99', { token: auditor })).status).toBe(400);
    expect((await http(t.baseUrl, 'GET', '/v1/audit/proof/inclusion?position=abc&treeSize=12', { token: auditor })).status).toBe(400);
    expect((await http(t.baseUrl, 'GET', '/v1/audit/proof/inclusion?position=999999&treeSize=12', { token: auditor })).status).toBe(404);
    expect((await http(t.baseUrl, 'GET', '/v1/audit/proof/consistency?from=1&to=12')).status).toBe(401);
    const bad = await http(t.baseUrl, 'POST', '/v1/audit/verify-checkpoint', { token: auditor, body: 'not a note', headers: { 'content-type': 'text/plain' } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it("(a) deleting a stream's last event: not consistent, first divergent leaf named, by HTTP and the CLI", async () => {
    const saved = join(dir, 'saved.txt');
    await writeFile(saved, checkpoint);
    const gone = await rows('stream_id = $1 AND version = 3', [s.a]);
    await asOwner(() => owner.query('DELETE FROM events WHERE stream_id = $1 AND version = 3', [s.a]));
    const leaf = leafOf.get(`${s.a}@3`)!;
    const expected = { leafIndex: leaf.leafIndex, position: leaf.position, streamId: s.a, version: 3 };
    const r = await verify(checkpoint);
    expect(r).toMatchObject({ ok: false, signatureValid: true, treeSize: 12, consistent: false, firstDivergentLeaf: expected });
    const c = await cli('audit', 'verify', '--checkpoint', saved);
    expect(c.code).toBe(1);
    expect(JSON.parse(c.stdout)).toMatchObject({ ok: false, consistent: false, firstDivergentLeaf: expected });
    await restore(gone);
    expect(await verify(checkpoint)).toMatchObject({ ok: true, consistent: true });
  });

  it('(b) deleting a whole stream: caught live and offline from an export', async () => {
    const saved = join(dir, 'saved.txt');
    await writeFile(saved, checkpoint);
    const gone = await rows('stream_id = $1', [s.b]);
    await asOwner(() => owner.query('DELETE FROM events WHERE stream_id = $1', [s.b]));
    const leaf = leafOf.get(`${s.b}@1`)!;
    const expected = { leafIndex: leaf.leafIndex, position: leaf.position, streamId: s.b, version: 1 };
    expect(await verify(checkpoint)).toMatchObject({ ok: false, consistent: false, firstDivergentLeaf: expected });
    // The per-stream chains cannot see a stream that is gone altogether.
    expect((await http(t.baseUrl, 'GET', '/v1/audit/verify', { token: auditor })).body).toMatchObject({ ok: true });
    const exported = join(dir, 'export.ndjson');
    await writeFile(exported, (await http(t.baseUrl, 'GET', '/v1/audit/export', { token: auditor })).text);
    const offline = await cli('audit', 'verify', '--file', exported, '--checkpoint', saved, '--key', vkey.trim());
    expect(offline.code).toBe(1);
    expect(JSON.parse(offline.stdout)).toMatchObject({ ok: false, signatureValid: true, consistent: false, firstDivergentLeaf: expected });
    await restore(gone);
    expect(await verify(checkpoint)).toMatchObject({ ok: true, consistent: true });
  });

  it('(c) rewriting a stream with recomputed hashes: the chains verify, the checkpoint does not', async () => {
    const saved = join(dir, 'saved.txt');
    await writeFile(saved, checkpoint);
    const before = await rows('stream_id = $1', [s.c]);
    await asOwner(async () => {
      let prev = '0'.repeat(64);
      for (const r of before) {
        const data = { n: 100 + (r.version as number) };
        const hash = eventHash(prev, {
          id: r.id as string,
          streamId: s.c,
          version: r.version as number,
          type: r.type as string,
          schemaVersion: r.schema_version as number,
          data,
          metadata: r.metadata,
          recordedAt: (r.recorded_at as Date).toISOString(),
        });
        await owner.query('UPDATE events SET data = $2, prev_hash = $3, hash = $4 WHERE position = $1', [r.position, data, prev, hash]);
        prev = hash;
      }
    });
    expect((await http(t.baseUrl, 'GET', '/v1/audit/verify', { token: auditor })).body).toMatchObject({ ok: true });
    const leaf = leafOf.get(`${s.c}@1`)!;
    const expected = { leafIndex: leaf.leafIndex, position: leaf.position, streamId: s.c, version: 1 };
    expect(await verify(checkpoint)).toMatchObject({ ok: false, consistent: false, firstDivergentLeaf: expected });
    const live = await cli('audit', 'verify', '--checkpoint', saved);
    expect(JSON.parse(live.stdout)).toMatchObject({ ok: false, firstDivergentLeaf: expected });
    const exported = join(dir, 'export.ndjson');
    await writeFile(exported, (await http(t.baseUrl, 'GET', '/v1/audit/export', { token: auditor })).text);
    const offline = await cli('audit', 'verify', '--file', exported, '--checkpoint', saved);
    expect(JSON.parse(offline.stdout)).toMatchObject({ ok: false, consistent: false, firstDivergentLeaf: expected });
    await asOwner(async () => {
      for (const r of before) await owner.query('UPDATE events SET data = $2, prev_hash = $3, hash = $4 WHERE position = $1', [r.position, r.data, r.prev_hash, r.hash]);
    });
    expect(await verify(checkpoint)).toMatchObject({ ok: true, consistent: true });
  });

  it('an untouched, growing log stays consistent with every checkpoint kept along the way', async () => {
    const kept = [checkpoint];
    let size = 12;
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i <= round; i++)
        await store.append(
          `ledger-grow-${round}-${i}`,
          0,
          [
            { type: 'Entry', data: { round, i } },
            { type: 'Entry', data: { round, i, second: true } },
          ],
          meta,
        );
      size += 2 * (round + 1);
      kept.push(await checkpointOf(size));
    }
    const d = (await exportEvents()).sort((x, y) => (x.leafIndex ?? 0) - (y.leafIndex ?? 0)).map((e) => Buffer.from(e.hash, 'hex'));
    for (let i = 0; i < kept.length; i++) {
      const old = openNote(kept[i], vkey);
      expect(await verify(kept[i])).toEqual({ ok: true, signatureValid: true, treeSize: old.treeSize, consistent: true });
      expect(old.root.equals(mth(d.slice(0, old.treeSize)))).toBe(true);
      if (i > 0) {
        const prev = openNote(kept[i - 1], vkey);
        const con = await http<{ hashes: string[] }>(t.baseUrl, 'GET', `/v1/audit/proof/consistency?from=${prev.treeSize}&to=${old.treeSize}`, { token: auditor });
        expect(con.body.hashes).toEqual(proof(prev.treeSize, d.slice(0, old.treeSize)).map((h) => h.toString('base64')));
      }
    }
    const c = await cli('audit', 'checkpoint');
    expect(c.stdout).toBe(kept[kept.length - 1]);
  });

  it('the sealer rebuilds from the log into exactly the same tree, and every kept checkpoint still verifies', async () => {
    const report = await t.app.get(ProjectionRebuilder).rebuild(SEALER_PROJECTION, { verify: true });
    expect(report.differences).toEqual([]);
    const latest = await http(t.baseUrl, 'GET', '/v1/audit/checkpoint');
    expect(await verify(checkpoint)).toMatchObject({ ok: true, consistent: true });
    expect(await verify(latest.text)).toMatchObject({ ok: true, consistent: true });
  });

  it('a transaction held open in another database of the server neither holds the tree back nor hides its leaves from a verification', async () => {
    const u = new URL(t.db.url);
    u.pathname = '/postgres';
    const elsewhere = new Client({ connectionString: u.toString() });
    await elsewhere.connect();
    try {
      // A transaction id in flight for the whole test, older than the appends below.
      await elsewhere.query('BEGIN');
      await elsewhere.query('SELECT pg_current_xact_id()');
      const size = Number((await http(t.baseUrl, 'GET', '/v1/audit/checkpoint')).text.split('\n')[1]);
      await store.append(
        'ledger-elsewhere',
        0,
        [
          { type: 'Entry', data: { n: 1 } },
          { type: 'Entry', data: { n: 2 } },
        ],
        meta,
      );
      const grown = await checkpointOf(size + 2);
      expect(await verify(grown)).toEqual({ ok: true, signatureValid: true, treeSize: size + 2, consistent: true });
    } finally {
      await elsewhere.query('ROLLBACK').catch(() => undefined);
      await elsewhere.end();
    }
  });
});
