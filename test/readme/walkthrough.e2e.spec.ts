import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TEST_JWT_SECRET } from '../support/app';
import { TestDatabase, createTestDatabase } from '../support/database';
import { Child, REDIS_URL, queuePrefix, requireBuild, spawnApp } from '../ops/support';

const ROOT = resolve(__dirname, '../..');

/** The README's rule: every ```sh block under "## Walkthrough", up to the next "## " heading, in order. */
export function walkthroughBlocks(readme: string): string[] {
  const start = readme.indexOf('\n## Walkthrough\n');
  if (start < 0) throw new Error('README.md has no "## Walkthrough" section');
  const rest = readme.slice(start + 1);
  const next = rest.slice(3).search(/^## /m);
  const section = next < 0 ? rest : rest.slice(0, next + 3);
  return [...section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

/** Variables a block assigns (`NAME=…` at the start of a line), carried to the blocks after it. */
const assigned = (block: string) => [...block.matchAll(/^([A-Z_][A-Z0-9_]*)=/gm)].map((m) => m[1]);

function runBlock(block: string, state: string, vars: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = ['set -euo pipefail', `[ -f '${state}' ] && source '${state}'`, block, vars.length ? `declare -p ${vars.join(' ')} > '${state}'` : ''].join('\n');
  return new Promise((res, rej) => {
    const p = spawn('bash', ['-c', script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (b: Buffer) => out.push(b));
    p.stderr.on('data', (b: Buffer) => err.push(b));
    p.once('error', rej);
    p.once('close', (code) => res({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

/**
 * The README's walkthrough, run as written against a started server (dist/, as `npm start`
 * runs it), so the README cannot drift from what the API does.
 */
describe('README walkthrough', () => {
  const blocks = walkthroughBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  let db: TestDatabase;
  let app: Child;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const outputs: string[] = [];

  beforeAll(async () => {
    requireBuild();
    db = await createTestDatabase('walkthrough');
    const prefix = queuePrefix('walkthrough');
    app = await spawnApp('all', { DATABASE_URL: db.url, QUEUE_PREFIX: prefix });
    dir = mkdtempSync(join(tmpdir(), 'almanac-walkthrough-'));
    // What a reader's terminal has, plus where this test's server is; no USER, as under `env -i`.
    env = { PATH: process.env.PATH, HOME: process.env.HOME, API: app.baseUrl, DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: prefix, AUTH_JWT_SECRET: TEST_JWT_SECRET };
  });
  afterAll(async () => {
    await app?.kill();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('has blocks to run', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(8);
  });

  it('runs every block top to bottom: each exits 0 and no answer is a problem', async () => {
    const vars: string[] = [];
    for (const [i, block] of blocks.entries()) {
      vars.push(...assigned(block).filter((v) => !vars.includes(v)));
      const r = await runBlock(block, join(dir, 'state.sh'), vars, env);
      outputs.push(r.stdout);
      expect(`block ${i + 1} exit ${r.code}\n${r.stderr}`).toBe(`block ${i + 1} exit 0\n${r.stderr}`);
      // A problem+json answer anywhere (curl -s prints it and exits 0) is a broken example.
      expect(`block ${i + 1}: ${r.stdout.match(/\{"type":"https:\/\/almanac\.dev\/problems\/[^\n]*/)?.[0] ?? 'no problem'}`).toBe(`block ${i + 1}: no problem`);
    }
  }, 180000);

  const output = (marker: string) => {
    const i = blocks.findIndex((b) => b.includes(marker));
    expect(i).toBeGreaterThanOrEqual(0);
    return outputs[i] ?? '';
  };

  it('shows what its comments say', () => {
    expect(output('"start": {"date": "2013-10-22"}')).toMatch(/^HTTP\/1\.1 201 Created/);
    expect(output('"start": {"date": "2013-10-22"}')).toMatch(/^ETag: "1"\r?$/m);
    // Across the DST change: 16 wall-clock hours, 15 in UTC.
    expect(output('Europe/Berlin')).toContain('"startsAt":"2026-03-28T17:00:00Z","endsAt":"2026-03-29T08:00:00Z"');
    const reads = output('X-Min-Log-Position: $POS"');
    expect(reads).toMatch(/"status":"cancelled"[^\n]*"version":4/);
    expect(reads).toContain('"type":"EventCancelled"');
    expect(reads).toContain('BEGIN:VCALENDAR');
    const sync = JSON.parse(output('syncToken=$SYNC').trim().split('\n').pop()!) as { items: { title: string; location: { venue: string } }[] };
    expect(sync.items.map((e) => [e.title, e.location.venue])).toEqual([['Long Night of the Sciences', 'Humboldt Forum']]);
    // The recurring series: DST, EXDATE, one instance moved and one cancelled in listing, sync, feed and history; the split.
    const series = output('RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=6').split('\n');
    expect(series.slice(0, 5)).toEqual([
      '20261006T070000Z 2026-10-06T07:00:00Z',
      '20261020T070000Z 2026-10-20T07:00:00Z',
      '20261027T080000Z 2026-10-27T08:00:00Z',
      '20261103T080000Z 2026-11-03T08:00:00Z',
      '20261110T080000Z 2026-11-10T08:00:00Z',
    ]);
    expect(series[5]).toBe('200');
    expect(series.slice(6, 11)).toEqual([
      '20261006T070000Z 2026-10-06T07:00:00Z scheduled',
      '20261020T070000Z 2026-10-21T09:00:00Z scheduled',
      '20261027T080000Z 2026-10-27T08:00:00Z cancelled',
      '20261103T080000Z 2026-11-03T08:00:00Z scheduled',
      '20261110T080000Z 2026-11-10T08:00:00Z scheduled',
    ]);
    expect(series.slice(11, 14)).toEqual(['series scheduled', '20261020T070000Z scheduled', '20261027T080000Z cancelled']);
    const feed = series.slice(14).join('\n');
    expect(feed).toContain('RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=6');
    expect(feed).toMatch(/EXDATE;TZID=Europe\/Berlin:[^\n]*20261027T090000/);
    expect(feed).toContain('RECURRENCE-ID;TZID=Europe/Berlin:20261020T090000');
    expect(series).toContain('EventScheduled OccurrenceRescheduled OccurrenceCancelled');
    expect(series.filter((l) => l.trim()).pop()).toBe('201');
    const imports = output('--data-binary @data/unesco-beijing-listing.txt');
    expect(imports).toContain('"summary":{"created":5,"skipped":0,"failed":0}');
    expect(imports).toMatch(/"summary": \{\s*"created": 0,\s*"skipped": 5,\s*"failed": 0\s*\}/);
    expect(output('projections rebuild calendar --verify')).toMatch(/"differences": \[\]/);
    const audit = output('asOf=$SCHEDULED');
    expect(audit).toContain('"title":"7th International Conference on Theory and Practice of Electronic Governance"');
    expect(audit).toContain('"start":{"date":"2013-10-22"}');
    expect(audit).toMatch(/"type":"EventCancelled"[^\n]*"actor":"alice"/);
    expect(audit).toMatch(/"ok":true/);
    expect(audit).toMatch(/7th International Conference[^\n]*\| scheduled/);
  });
});
