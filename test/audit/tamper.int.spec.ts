import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { eventHash } from '../../src/events/hash-chain';
import { PostgresEventStore } from '../../src/events/postgres-event-store';
import { UpcasterRegistry } from '../../src/events/upcasters';
import { exportLines } from '../../src/modules/audit/export-log/export-lines';
import { AuditLogReader } from '../../src/events/audit-log.reader';
import { checkExport } from '../../src/modules/audit/verification/export-format';
import { verifyDatabase } from '../../src/modules/audit/verify-log/verify-database';
import { TestDatabase, createTestDatabase } from '../support/database';

const meta = { actor: 'alice', correlationId: 'c-1', causationId: 'c-1' };

/**
 * Tampering as only a database superuser can (the append-only trigger refuses everyone else):
 * triggers off, then a row edited, one removed, one forged in, two reordered — one stream per
 * case, so each break must be attributed to the right stream and version.
 */
describe('verify finds tampering done behind the application’s back', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  let reader: AuditLogReader;
  let su: Client;
  const streams = { intact: `ledger-${randomUUID()}`, edited: `ledger-${randomUUID()}`, removed: `ledger-${randomUUID()}`, inserted: `ledger-${randomUUID()}`, reordered: `ledger-${randomUUID()}` };

  beforeAll(async () => {
    db = await createTestDatabase('audittamper');
    store = new PostgresEventStore(db.dataSource, new UpcasterRegistry());
    reader = AuditLogReader.over(db.dataSource);
    // Interleaved appends, so the streams' positions interleave as in real life.
    for (let v = 0; v < 4; v++) {
      for (const s of Object.values(streams)) await store.append(s, v, [{ type: 'Entry', data: { n: v + 1, note: `entry ${v + 1}` } }], meta);
    }
    su = new Client({ connectionString: db.url });
    await su.connect();
  });
  afterAll(async () => {
    await su?.end();
    await db?.drop();
  });

  it('an intact log verifies', async () => {
    expect(await verifyDatabase(reader)).toEqual({ ok: true, streams: 5, events: 20, broken: [], brokenCount: 0 });
  });

  it('the database itself refuses to edit or delete, without superuser tricks', async () => {
    await expect(db.dataSource.query(`UPDATE events SET data = '{}' WHERE stream_id = $1`, [streams.edited])).rejects.toThrow(/append-only/);
    await expect(db.dataSource.query('DELETE FROM events WHERE stream_id = $1', [streams.removed])).rejects.toThrow(/append-only/);
  });

  it('reports each kind of tampering at the stream and version where it happened', async () => {
    const row = async (stream: string, version: number) =>
      (await su.query<{ position: string; hash: string }>('SELECT position::text AS position, hash FROM events WHERE stream_id = $1 AND version = $2', [stream, version])).rows[0];
    const edited2 = await row(streams.edited, 2);
    const removed3 = await row(streams.removed, 3);
    const ins2 = await row(streams.inserted, 2);
    const re = { v2: await row(streams.reordered, 2), v3: await row(streams.reordered, 3), v4: await row(streams.reordered, 4) };

    await su.query('BEGIN');
    await su.query('SET LOCAL session_replication_role = replica'); // user triggers off, for this transaction only
    // Edited: the note of entry 2 rewritten.
    await su.query(`UPDATE events SET data = jsonb_set(data, '{note}', '"entry 2 (corrected)"') WHERE stream_id = $1 AND version = 2`, [streams.edited]);
    // Removed: entry 2 deleted.
    await su.query('DELETE FROM events WHERE stream_id = $1 AND version = 2', [streams.removed]);
    // Inserted: versions 3..4 shifted up, a forged version 3 slipped in with a correct-looking hash.
    await su.query('UPDATE events SET version = version + 100 WHERE stream_id = $1 AND version >= 3', [streams.inserted]);
    await su.query('UPDATE events SET version = version - 99 WHERE stream_id = $1 AND version >= 100', [streams.inserted]);
    const forged = {
      id: randomUUID(),
      streamId: streams.inserted,
      version: 3,
      type: 'Entry',
      schemaVersion: 1,
      data: { n: 3, note: 'forged' },
      metadata: { ...meta, recordedAt: new Date().toISOString() },
      recordedAt: new Date().toISOString(),
    };
    await su.query(`INSERT INTO events (id, stream_id, version, type, schema_version, data, metadata, recorded_at, prev_hash, hash) VALUES ($1, $2, 3, 'Entry', 1, $3, $4, $5, $6, $7)`, [
      forged.id,
      forged.streamId,
      forged.data,
      forged.metadata,
      forged.recordedAt,
      ins2.hash,
      eventHash(ins2.hash, forged),
    ]);
    const forgedPosition = (await row(streams.inserted, 3)).position;
    // Reordered: versions 2 and 3 swapped.
    await su.query('UPDATE events SET version = 99 WHERE stream_id = $1 AND version = 2', [streams.reordered]);
    await su.query('UPDATE events SET version = 2 WHERE stream_id = $1 AND version = 3', [streams.reordered]);
    await su.query('UPDATE events SET version = 3 WHERE stream_id = $1 AND version = 99', [streams.reordered]);
    await su.query('COMMIT');

    const report = await verifyDatabase(reader);
    expect(report).toMatchObject({ ok: false, streams: 5, events: 20 });
    const by = (s: string) => report.broken.filter((b) => b.streamId === s).map((b) => ({ version: b.version, position: b.position, codes: b.codes }));

    expect(by(streams.intact)).toEqual([]);
    expect(by(streams.edited)).toEqual([{ version: 2, position: edited2.position, codes: ['hash-mismatch'] }]);
    expect(by(streams.removed)).toEqual([{ version: 3, position: removed3.position, codes: ['version-gap', 'prev-hash-mismatch'] }]);
    // The forged row itself hashes fine: what gives it away is everything after it.
    const inserted = by(streams.inserted);
    expect(inserted.map((b) => b.version)).toEqual([4, 5]);
    expect(inserted[0].codes).toEqual(['hash-mismatch', 'prev-hash-mismatch', 'position-order']);
    expect(inserted[1].codes).toEqual(['hash-mismatch']);
    expect(BigInt(forgedPosition) > BigInt(inserted[0].position)).toBe(true);
    expect(by(streams.reordered)).toEqual([
      { version: 2, position: re.v3.position, codes: ['hash-mismatch', 'prev-hash-mismatch'] },
      { version: 3, position: re.v2.position, codes: ['hash-mismatch', 'prev-hash-mismatch', 'position-order'] },
      { version: 4, position: re.v4.position, codes: ['prev-hash-mismatch'] },
    ]);
    expect(report.broken.every((b) => b.reason.length > 0)).toBe(true);

    // An export of the tampered log fails its offline check on exactly the same rows.
    const lines: string[] = [];
    for await (const chunk of exportLines(reader, {})) lines.push(...chunk.split('\n'));
    const offline = await checkExport(lines);
    expect(offline.ok).toBe(false);
    expect(offline.file.ok).toBe(true); // the file is a faithful copy; the log it copies is not intact
    // In position order the moved rows are met in another order, so the codes (and, for the
    // forged row, the rows) named differ a little; every break is still found, in the right streams.
    const key = (b: { streamId: string; version: number }) => `${b.streamId}@${b.version}`;
    expect(offline.broken.map(key)).toEqual(expect.arrayContaining(report.broken.map(key)));
    expect(new Set(offline.broken.map((b) => b.streamId))).toEqual(new Set([streams.edited, streams.removed, streams.inserted, streams.reordered]));
  });
});
