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
    t = await startTestApp('checkpointdigest', { SMTP_URL: smtp.url, AUDIT_CHECKPOINT_EMAILS: 'audit@example.org, notary@example.net', CHECKPOINT_ORIGIN: 'digest.test/almanac' }, 'all');
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  it('sends every checkpoint of the day once, to each address, and nothing before the day is over', async () => {
    const store = t.app.get(PostgresEventStore);
    const notes: string[] = [];
    for (let i = 1; i <= 3; i++) {
      await store.append(`ledger-${i}`, 0, [{ type: 'Entry', data: { i } }], meta);
      notes.push(await waitFor(`checkpoint ${i}`, async () => {
        const r = await http(t.baseUrl, 'GET', '/v1/audit/checkpoint');
        return r.text.split('\n')[1] === String(i) ? r.text : undefined;
      }));
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
    expect(await digest.sendIfDue()).toBe(0);
  });
});
