import { PostgresEventStore } from '../../src/events/postgres-event-store';
import { CheckpointDigest } from '../../src/modules/audit/transparency/checkpoint-digest';
import { TestApp, http, startTestApp } from '../support/app';
import { TestSmtp, startTestSmtp } from '../support/smtp';
import { waitFor } from '../support/wait';

const meta = { actor: 'a', correlationId: 'c', causationId: 'c' };

/** Checkpoints leave the database once a day, by email, where its administrator cannot reach them. */
describe('the daily digest of checkpoints', () => {
  let t: TestApp;
  let smtp: TestSmtp;

  beforeAll(async () => {
    smtp = await startTestSmtp();
    t = await startTestApp(
      'checkpointdigest',
      { SMTP_URL: smtp.url, AUDIT_CHECKPOINT_EMAILS: 'audit@example.org, notary@example.net', CHECKPOINT_ORIGIN: 'digest.test/almanac', ADMIN_EMAIL_LOCALE: 'ja-JP' },
      'all',
    );
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  it("sends every checkpoint of the day once, to each address, in the admins' language, and nothing before the day is over", async () => {
    const store = t.app.get(PostgresEventStore);
    const notes: string[] = [];
    for (let i = 1; i <= 3; i++) {
      await store.append(`ledger-${i}`, 0, [{ type: 'Entry', data: { i } }], meta);
      notes.push(
        await waitFor(`checkpoint ${i}`, async () => {
          const r = await http(t.baseUrl, 'GET', '/v1/audit/checkpoint');
          return r.text.split('\n')[1] === String(i) ? r.text : undefined;
        }),
      );
    }
    const digest = t.app.get(CheckpointDigest);
    expect(await digest.sendIfDue()).toBe(0);
    expect(smtp.messages).toHaveLength(0);

    // A day later (as the owner moves the clock of the stored checkpoints back).
    await t.db.dataSource.query(`UPDATE transparency_checkpoints SET signed_at = signed_at - interval '25 hours'`);
    const sent = await digest.sendIfDue();
    expect(sent).toBeGreaterThanOrEqual(3);
    await waitFor('two digests', () => smtp.messages.length === 2);
    expect(smtp.messages.flatMap((m) => m.envelopeTo).sort()).toEqual(['audit@example.org', 'notary@example.net']);
    for (const note of notes) expect(smtp.messages[0].parsed.text).toContain(note);
    // In Japanese (ADMIN_EMAIL_LOCALE), the signed notes as they were signed.
    const last = notes[notes.length - 1].split('\n')[1];
    expect(smtp.messages[0].parsed.subject).toBe(`almanac チェックポイント：ツリーサイズ ${last}`);
    expect(smtp.messages[0].parsed.text).toMatch(new RegExp(`^digest\\.test/almanac のチェックポイント ${sent} 件、ツリーサイズ \\d+ から ${last}。\n`));
    expect(smtp.messages[0].parsed.text).toContain('（almanac audit verify --checkpoint <file>）');
    expect(await digest.sendIfDue()).toBe(0);
  });
});

/** Nobody asks, the log grows: a worker signs checkpoints on its own, at most one per interval. */
describe('checkpoints on an interval', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('checkpointinterval', { CHECKPOINT_INTERVAL_SECONDS: '1' }, 'all');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('while the log grows, and once more after it went quiet, so the last event is covered', async () => {
    const store = t.app.get(PostgresEventStore);
    const started = Date.now();
    for (let i = 0; i < 12; i++) {
      await store.append(`ledger-${i}`, 0, [{ type: 'Entry', data: { i } }], meta);
      await new Promise((r) => setTimeout(r, 250));
    }
    const signed = await waitFor('a checkpoint covering all 12 events', async () => {
      const rows: { tree_size: string; signed_at: Date }[] = await t.db.dataSource.query('SELECT c.tree_size::text AS tree_size, c.signed_at FROM transparency_checkpoints c ORDER BY c.tree_size');
      return rows.some((r) => r.tree_size === '12') ? rows : undefined;
    });
    // Several along the way (the log grew for ~3 s), never two within one interval.
    expect(signed.length).toBeGreaterThanOrEqual(2);
    expect(signed.length).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 1000) + 1);
    for (let i = 1; i < signed.length; i++) expect(signed[i].signed_at.getTime() - signed[i - 1].signed_at.getTime()).toBeGreaterThanOrEqual(990);
  });
});
