import { GENESIS_HASH, eventHash } from '../../../events/hash-chain';
import { ChainRow, ChainVerifier } from './chain-verifier';
import { ExportChecker, checkExport } from './export-format';

/** A valid chain of `n` events for `streamId`, at positions start, start+step, … */
function chain(streamId: string, n: number, start = 1, step = 1): ChainRow[] {
  const rows: ChainRow[] = [];
  let prev = GENESIS_HASH;
  for (let v = 1; v <= n; v++) {
    const row: Omit<ChainRow, 'hash'> = {
      id: `${streamId}-${v}`,
      position: String(start + (v - 1) * step),
      streamId,
      version: v,
      type: 'EventRescheduled',
      schemaVersion: 1,
      data: { n: v, nested: { b: 2, a: 1 } },
      metadata: { actor: 'alice', correlationId: 'c', causationId: 'c' },
      recordedAt: new Date(Date.UTC(2024, 0, 1, 0, v)).toISOString(),
      prevHash: prev,
    };
    const hash = eventHash(prev, row);
    rows.push({ ...row, hash });
    prev = hash;
  }
  return rows;
}

const rehash = (r: ChainRow): ChainRow => ({ ...r, hash: eventHash(r.prevHash, r) });

function verify(rows: ChainRow[], order: 'stream' | 'position' = 'stream', partial = false) {
  const v = new ChainVerifier({ order, partial });
  for (const r of rows) v.push(r);
  return v.report();
}

describe('ChainVerifier', () => {
  it('accepts intact chains in stream order and in position order', () => {
    const a = chain('a', 4, 1, 2);
    const b = chain('b', 3, 2, 2);
    expect(verify([...a, ...b])).toEqual({ ok: true, streams: 2, events: 7, broken: [], brokenCount: 0 });
    const byPosition = [...a, ...b].sort((x, y) => Number(x.position) - Number(y.position));
    expect(verify(byPosition, 'position')).toMatchObject({ ok: true, streams: 2, events: 7 });
  });

  it('ignores key order inside data and metadata (canonical JSON)', () => {
    const reversed = (o: unknown): unknown =>
      o && typeof o === 'object'
        ? Object.fromEntries(
            Object.entries(o)
              .reverse()
              .map(([k, v]) => [k, reversed(v)]),
          )
        : o;
    const rows = chain('a', 2).map((r) => ({ ...r, data: reversed(r.data), metadata: reversed(r.metadata) }));
    expect(Object.keys(rows[0].data as object)).toEqual(['nested', 'n']);
    expect(verify(rows).ok).toBe(true);
  });

  it('finds an edited event: its hash no longer matches, the rest still links', () => {
    const rows = chain('a', 3);
    rows[1] = { ...rows[1], data: { n: 999 } };
    const r = verify(rows);
    expect(r.ok).toBe(false);
    expect(r.broken).toEqual([expect.objectContaining({ streamId: 'a', version: 2, position: '2', codes: ['hash-mismatch'] })]);
  });

  it('finds an edited event whose hash was recomputed: the next one no longer links to it', () => {
    const rows = chain('a', 3);
    rows[1] = rehash({ ...rows[1], data: { n: 999 } });
    expect(verify(rows).broken).toEqual([expect.objectContaining({ version: 3, codes: ['prev-hash-mismatch'] })]);
  });

  it('finds a removed event: a version gap and a broken link', () => {
    const rows = chain('a', 4);
    rows.splice(1, 1);
    const r = verify(rows);
    expect(r.broken).toEqual([expect.objectContaining({ streamId: 'a', version: 3, codes: ['version-gap', 'prev-hash-mismatch'] })]);
    expect(r.broken[0].reason).toMatch(/expected version 2, found 3/);
  });

  it('finds a removed first event', () => {
    const r = verify(chain('a', 3).slice(1));
    expect(r.broken[0]).toMatchObject({ version: 2, codes: ['version-gap', 'prev-hash-mismatch'] });
  });

  it('finds a duplicated (inserted) version', () => {
    const rows = chain('a', 3);
    const forged = rehash({ ...rows[1], id: 'forged', position: '10', data: { n: 'forged' } });
    const r = verify([rows[0], rows[1], forged, rows[2]], 'position');
    expect(r.broken.map((b) => [b.version, b.codes])).toEqual([
      [2, ['version-duplicate', 'prev-hash-mismatch']],
      [3, ['prev-hash-mismatch', 'position-order']],
    ]);
  });

  it('finds an event inserted in the middle (versions shifted, forged row re-hashed)', () => {
    const rows = chain('a', 3);
    const shifted = rows.slice(1).map((r) => ({ ...r, version: r.version + 1 }));
    const forged = rehash({ ...rows[1], id: 'forged', position: '100', data: { n: 'forged' }, prevHash: rows[0].hash });
    const r = verify([rows[0], forged, ...shifted]);
    expect(r.broken.map((b) => b.version)).toEqual([3, 4]);
    expect(r.broken[0].codes).toEqual(expect.arrayContaining(['hash-mismatch', 'prev-hash-mismatch', 'position-order']));
  });

  it('finds two events whose versions were swapped (reordered)', () => {
    const rows = chain('a', 4);
    const swapped = [rows[0], { ...rows[2], version: 2 }, { ...rows[1], version: 3 }, rows[3]];
    const r = verify(swapped);
    expect(r.broken.map((b) => b.version)).toEqual([2, 3, 4]);
    expect(r.broken[0].codes).toEqual(['hash-mismatch', 'prev-hash-mismatch']);
    expect(r.broken[1].codes).toEqual(['hash-mismatch', 'prev-hash-mismatch', 'position-order']);
    expect(r.broken[2].codes).toEqual(['prev-hash-mismatch']);
  });

  it('finds a first event that does not start at the genesis hash', () => {
    const [first] = chain('a', 1);
    expect(verify([rehash({ ...first, prevHash: 'f'.repeat(64) })]).broken[0].codes).toEqual(['prev-hash-mismatch']);
  });

  it('attributes breaks to the right stream when streams interleave', () => {
    const a = chain('a', 3, 1, 2);
    const b = chain('b', 3, 2, 2);
    b[2] = { ...b[2], metadata: { actor: 'mallory' } };
    const rows = [...a, ...b].sort((x, y) => Number(x.position) - Number(y.position));
    expect(verify(rows, 'position').broken).toEqual([expect.objectContaining({ streamId: 'b', version: 3, position: '6' })]);
  });

  it('in partial mode allows gaps but still checks every hash and consecutive links', () => {
    const rows = chain('a', 5);
    expect(verify([rows[0], rows[2], rows[3]], 'stream', true).ok).toBe(true);
    const edited = { ...rows[3], data: { n: 0 } };
    expect(verify([rows[0], rows[2], edited], 'stream', true).broken).toEqual([expect.objectContaining({ version: 4, codes: ['hash-mismatch'] })]);
  });

  it('caps the listed breaks but counts them all', () => {
    const rows = chain('a', 20).map((r) => ({ ...r, data: {} }));
    const v = new ChainVerifier({ order: 'stream', maxBreaks: 5 });
    rows.forEach((r) => v.push(r));
    expect(v.report()).toMatchObject({ ok: false, brokenCount: 20, broken: expect.any(Array) });
    expect(v.report().broken).toHaveLength(5);
  });
});

describe('ExportChecker', () => {
  function exportOf(rows: ChainRow[], complete = true): string[] {
    const sorted = [...rows].sort((x, y) => Number(x.position) - Number(y.position));
    const tails = new Map<string, { version: number; hash: string; events: number }>();
    for (const r of sorted) tails.set(r.streamId, { version: r.version, hash: r.hash, events: (tails.get(r.streamId)?.events ?? 0) + 1 });
    return [
      JSON.stringify({ kind: 'export-header', format: 'almanac-export/1', exportedAt: '2024-01-02T00:00:00.000Z', complete, filters: {}, snapshot: '1:1:' }),
      ...sorted.map((r) => JSON.stringify(r)),
      ...[...tails].sort().map(([streamId, t]) => JSON.stringify({ kind: 'stream-summary', streamId, version: t.version, lastHash: t.hash, events: t.events })),
      JSON.stringify({ kind: 'export-summary', count: sorted.length, streams: tails.size }),
    ];
  }

  it('accepts an intact export', async () => {
    const r = await checkExport(exportOf([...chain('a', 3, 1, 2), ...chain('b', 2, 2, 2)]));
    expect(r).toMatchObject({ ok: true, events: 5, streams: 2, file: { ok: true, complete: true, problems: [] } });
  });

  it('finds a tampered line', async () => {
    const lines = exportOf(chain('a', 3));
    lines[2] = lines[2].replace('"alice"', '"mallory"');
    const r = await checkExport(lines);
    expect(r.ok).toBe(false);
    expect(r.broken).toEqual([expect.objectContaining({ streamId: 'a', version: 2, codes: ['hash-mismatch'] })]);
  });

  it('finds a truncated export and a removed last event', async () => {
    const lines = exportOf(chain('a', 3));
    expect((await checkExport(lines.slice(0, -1))).file.problems).toContain('no export-summary line: the file is truncated');
    const withoutLast = [...lines.slice(0, 3), ...lines.slice(4)];
    const r = await checkExport(withoutLast);
    expect(r.broken).toEqual([]); // the chain alone cannot tell a removed LAST event...
    expect(r.ok).toBe(false); // ...the summaries can
    expect(r.file.problems).toEqual(expect.arrayContaining([expect.stringMatching(/summary says 3 events, the file holds 2/), expect.stringMatching(/last version 3, the file's last is 2/)]));
  });

  it('reports lines that are not JSON or not events', () => {
    const c = new ExportChecker();
    for (const l of exportOf(chain('a', 1))) c.line(l);
    c.line('{oops');
    c.line('{"hello":1}');
    expect(c.finish().file.problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/line 5: not JSON/), expect.stringMatching(/line 6: not a stored event/), expect.stringMatching(/after the export-summary/)]),
    );
  });

  it('checks a filtered (partial) export without counting gaps as breaks', async () => {
    const rows = chain('a', 4);
    const r = await checkExport(exportOf([rows[0], rows[2]], false));
    expect(r).toMatchObject({ ok: true, file: { complete: false } });
  });
});
