import { createHash, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import type { Browser, Page } from 'playwright-core';
import { Role } from '../../src/common/auth/principal';
import { PostgresEventStore } from '../../src/events/postgres-event-store';
import { UpcasterRegistry } from '../../src/events/upcasters';
import { TokenService } from '../../src/modules/auth/tokens';
import { Child, queuePrefix } from '../ops/support';
import { TEST_JWT_SECRET, http } from '../support/app';
import { TestDatabase, createTestDatabase } from '../support/database';
import { TestSmtp, startTestSmtp } from '../support/smtp';
import { waitFor } from '../support/wait';
import { Webhook } from 'standardwebhooks';
import { TestWebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver';
import { checkPage, launchChromium, newPage, startBuiltApp } from './browser';

const LISTING = readFileSync(resolve(__dirname, '../../data/unesco-beijing-listing.txt'), 'utf8');

interface Ev {
  id: string;
  title: string;
  version: number;
}
interface LogItem {
  position: string;
  streamId: string;
  version: number;
  type: string;
  recordedAt: string;
  metadata: { actor?: string };
}
type Row = Record<string, unknown>;

/**
 * The auditor's and the admin's views of the web console in Debian's Chromium, against the built
 * app (`node dist/main.js all`) with a real SMTP listener and a real webhook receiver: an event's
 * versions with the fields each changed, the event and the whole calendar as of a past moment,
 * the log filtered and exported, checkpoints green and red (another key's, and a log the
 * database's owner cut short), a delivery's reason for sending nothing, a webhook's attempts.
 * Every page: a screenshot, no serious axe violation, no CSP violation.
 */
describe('web console: auditor and admin views (browser)', () => {
  jest.setTimeout(180_000);
  let db: TestDatabase;
  let app: Child;
  let base: string;
  let browser: Browser;
  let smtp: TestSmtp;
  let receiver: TestWebhookReceiver;
  let downloads: string;
  const tokens = new TokenService(TEST_JWT_SECRET);
  const token = (sub: string, ...roles: Role[]) => tokens.sign(sub, roles);

  beforeAll(async () => {
    db = await createTestDatabase('console-audit');
    smtp = await startTestSmtp();
    receiver = await startWebhookReceiver();
    downloads = await mkdtemp(join(tmpdir(), 'almanac-console-audit-'));
    ({ app, base } = await startBuiltApp((base) => ({
      DATABASE_URL: db.url,
      QUEUE_PREFIX: queuePrefix('console-audit'),
      PUBLIC_BASE_URL: base,
      SMTP_URL: smtp.url,
      WEBHOOKS_BACKOFF_SECONDS: '0.5',
      RATE_LIMIT_SUBSCRIPTIONS_PER_MINUTE: '0',
    })));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.kill();
    await receiver?.close();
    await smtp?.close();
    await db?.drop();
    if (downloads) await rm(downloads, { recursive: true, force: true });
  });

  const check = checkPage;

  async function signIn(role: Role): Promise<{ page: Page; problems: string[] }> {
    // UTC: the as-of pickers read the browser's zone, and the assertions below write UTC times.
    const p = await newPage(browser, { timezoneId: 'UTC', locale: 'en-GB', acceptDownloads: true });
    await p.page.goto(`${base}/console`);
    await p.page.click(`button[data-role=${role}]`);
    await p.page.waitForSelector('#signed-in');
    return p;
  }

  /** A write through the API, as staff; its log position. */
  async function write(method: string, path: string, sub: string, body: unknown, ifMatch?: number): Promise<{ body: Ev; position: string }> {
    const r = await http<Ev>(base, method, path, { token: await token(sub, 'staff'), body, headers: ifMatch ? { 'if-match': `"${ifMatch}"` } : {} });
    expect(r.status).toBeLessThan(300);
    return { body: r.body, position: r.headers.get('x-log-position')! };
  }

  /** The calendar-history projection has applied `position` (the as-of calendar reads it). */
  async function historyCaughtUp(position: string): Promise<void> {
    const auditor = await token('audrey', 'auditor');
    await waitFor(
      'the calendar history to apply the writes',
      async () => (await http(base, 'GET', `/v1/audit/calendar?asOf=${new Date().toISOString()}`, { token: auditor, headers: { 'x-min-log-position': position } })).status === 200,
      60000,
      200,
    );
  }

  /** A `datetime-local` value in UTC as the browser normalises it (no zero milliseconds, no zero seconds after them). */
  const localValue = (ms: number) =>
    new Date(ms)
      .toISOString()
      .slice(0, 23)
      .replace(/\.000$/, '')
      .replace(/(T\d\d:\d\d):00$/, '$1');

  const timed = (title: string, start: string, end: string) => ({
    title,
    location: { city: 'Seoul', country: 'KR', venue: 'National Museum' },
    timeZone: 'Asia/Seoul',
    start: { dateTime: start },
    end: { dateTime: end },
  });

  it("steps through an event's versions with the fields each changed, and sees it as of earlier moments", async () => {
    const created = await write('POST', '/v1/events', 'alice', timed('Archive Week', '2031-05-10T10:00', '2031-05-10T12:00'));
    const id = created.body.id;
    await write('PATCH', `/v1/events/${id}`, 'bob', { title: 'Archive Week (revised)' }, 1);
    await write('POST', `/v1/events/${id}/reschedule`, 'carol', { start: { dateTime: '2031-05-12T14:00' }, end: { dateTime: '2031-05-12T16:00' }, reason: 'hall booked' }, 2);

    const { page, problems } = await signIn('auditor');
    await page.fill('#history-id', id);
    await page.click('#history-form button[type=submit]');
    await page.waitForSelector('#history li[data-version="3"] table.diff');
    expect(await page.locator('#history li').count()).toBe(3);

    // The reschedule: the old and the new start and end, nothing else.
    const v3 = page.locator('#history li[data-version="3"]');
    expect(await v3.textContent()).toContain('carol');
    expect(await v3.textContent()).toContain('hall booked');
    expect(await v3.locator('tr[data-field]').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-field')))).toEqual(['start', 'end']);
    expect(await v3.locator('tr[data-field=start] del').textContent()).toBe('2031-05-10T10:00 (Asia/Seoul)');
    expect(await v3.locator('tr[data-field=start] ins').textContent()).toBe('2031-05-12T14:00 (Asia/Seoul)');
    expect(await v3.locator('tr[data-field=end] ins').textContent()).toBe('2031-05-12T16:00 (Asia/Seoul)');
    // The details change: the title only, by bob.
    const v2 = page.locator('#history li[data-version="2"]');
    expect(await v2.locator('tr[data-field]').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-field')))).toEqual(['title']);
    expect(await v2.locator('tr[data-field=title] del').textContent()).toBe('Archive Week');
    expect(await v2.locator('tr[data-field=title] ins').textContent()).toBe('Archive Week (revised)');
    expect(await v2.textContent()).toContain('bob');
    // The first version sets every field it has.
    expect(await page.locator('#history li[data-version="1"] tr[data-field=place] ins').textContent()).toBe('National Museum, Seoul, South Korea');

    // Step back through the versions: the event as it stood at each.
    await page.waitForFunction(() => /^v3 · Archive Week \(revised\) ·/.test(document.querySelector('#as-of-state')?.textContent ?? ''));
    expect(await page.getAttribute('#history li[data-version="3"]', 'aria-current')).toBe('step');
    await page.click('#step-prev');
    await page.waitForFunction(() => /^v2 · Archive Week \(revised\) · .*10 May 2031/.test(document.querySelector('#as-of-state')?.textContent ?? ''));
    expect(await page.getAttribute('#history li[data-version="2"]', 'aria-current')).toBe('step');
    await page.click('#step-prev');
    await page.waitForFunction(() => /^v1 · Archive Week ·/.test(document.querySelector('#as-of-state')?.textContent ?? ''));
    expect(await page.isDisabled('#step-prev')).toBe(true);
    await page.click('#step-next');
    await page.waitForFunction(() => /^v2 ·/.test(document.querySelector('#as-of-state')?.textContent ?? ''));
    // The slider, back to the first version: the earlier title.
    await page.locator('#as-of').fill('0');
    await page.waitForFunction(() => /^v1 · Archive Week ·/.test(document.querySelector('#as-of-state')?.textContent ?? ''));
    await check(page, problems, 'audit-history');

    // Any moment: before the event existed, and a millisecond after its first version.
    const history = await http<{ items: LogItem[] }>(base, 'GET', `/v1/events/${id}/history`, { token: await token('audrey', 'auditor') });
    const first = new Date(history.body.items[0].recordedAt).getTime();
    await page.fill('#as-of-instant', localValue(first - 1));
    await page.click('#as-of-form button[type=submit]');
    await page.waitForFunction(() => /did not exist yet/.test(document.querySelector('#as-of-state')?.textContent ?? ''));
    await page.fill('#as-of-instant', localValue(first));
    await page.click('#as-of-form button[type=submit]');
    await page.waitForFunction(() => /^v1 · Archive Week ·/.test(document.querySelector('#as-of-state')?.textContent ?? ''));
  });

  it('sees the calendar as of a past moment without a later event, filters the log and downloads the export', async () => {
    // The office's listing (several events by 'importer'), so the log has pages of its own to turn.
    const imported = await http(base, 'POST', '/v1/imports', { token: await token('importer', 'staff'), body: LISTING, headers: { 'content-type': 'text/plain' } });
    expect(imported.status).toBeLessThan(300);
    const early = await write('POST', '/v1/events', 'erin', timed('Early Colloquium', '2031-06-01T09:00', '2031-06-01T11:00'));
    const earlyAt = (await http<{ items: LogItem[] }>(base, 'GET', `/v1/events/${early.body.id}/history`, { token: await token('audrey', 'auditor') })).body.items[0].recordedAt;
    // The later event is recorded at a later millisecond than the early one, by construction.
    await waitFor('a later millisecond', async () => Date.now() > Date.parse(earlyAt) + 1, 5000, 1);
    const late = await write('POST', '/v1/events', 'frank', timed('Late Symposium', '2031-06-02T09:00', '2031-06-02T11:00'));
    await historyCaughtUp(late.position);

    const { page, problems } = await signIn('auditor');
    // The log, filtered by actor: erin's one event, not frank's.
    await page.waitForSelector('#log-rows tr');
    await page.fill('#log-form input[name=actor]', 'erin');
    await page.fill('#log-form input[name=type]', 'EventScheduled');
    await page.click('#log-form button[type=submit]');
    await page.waitForFunction(() => document.querySelectorAll('#log-rows tr').length === 1);
    const row = page.locator('#log-rows tr');
    expect(await row.textContent()).toContain(`calendar-event-${early.body.id}`);
    expect(await row.textContent()).toContain('erin');
    // Without the actor filter, frank's event is there too.
    await page.fill('#log-form input[name=actor]', '');
    await page.click('#log-form button[type=submit]');
    await page.waitForFunction(() => /frank/.test(document.querySelector('#log-rows')?.textContent ?? ''));
    expect(await page.locator('#log-rows tr[data-type="EventScheduled"]', { hasText: 'erin' }).count()).toBe(1);

    // Paged by position, five a page: this test's own entries (the listing and two more) fill more than one.
    await page.fill('#log-form input[name=actor]', '');
    await page.fill('#log-form input[name=type]', '');
    await page.selectOption('#log-form select[name=limit]', '5');
    await page.click('#log-form button[type=submit]');
    await page.waitForFunction(() => /^Page 1: 5 entries/.test(document.querySelector('#log-count')?.textContent ?? ''));
    const positions = () => page.locator('#log-rows tr').evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-position'))));
    const first = await positions();
    expect(await page.isDisabled('#log-prev')).toBe(true);
    await page.click('#log-next');
    await page.waitForFunction(() => /^Page 2:/.test(document.querySelector('#log-count')?.textContent ?? ''));
    const second = await positions();
    expect(second.length).toBeGreaterThan(0);
    expect(Math.min(...second)).toBeGreaterThan(Math.max(...first));
    await page.click('#log-prev');
    await page.waitForFunction(() => /^Page 1:/.test(document.querySelector('#log-count')?.textContent ?? ''));
    expect(await positions()).toEqual(first);
    await page.selectOption('#log-form select[name=limit]', '25');
    await page.fill('#log-form input[name=type]', 'EventScheduled');

    // The calendar as of erin's event: it, and not the later one.
    await page.fill('#log-form input[name=actor]', 'erin');
    await page.click('#log-form button[type=submit]');
    await page.waitForFunction(() => document.querySelectorAll('#log-rows tr').length === 1);
    await page.click('#log-rows tr button[data-action=calendar-as-of]');
    await page.waitForSelector('#calendar-as-of-rows tr');
    const asOfTitles = await page.locator('#calendar-as-of-rows tr td:first-child').allTextContents();
    expect(asOfTitles).toContain('Early Colloquium');
    expect(asOfTitles).not.toContain('Late Symposium');
    // And as of now, both.
    await page.fill('#calendar-as-of', localValue(Date.now() + 1000));
    await page.click('#calendar-as-of-form button[type=submit]');
    await page.waitForFunction(() => /Late Symposium/.test(document.querySelector('#calendar-as-of-rows')?.textContent ?? ''));
    expect(await page.locator('#calendar-as-of-rows tr', { hasText: 'Early Colloquium' }).count()).toBe(1);
    await check(page, problems, 'audit-log-calendar');

    // The slider steps through the log's changes: at the late event, both; one step back, at the
    // early one, the late event is not there yet.
    const slider = page.locator('#calendar-as-of-slider');
    const stopAt = () => page.getAttribute('#calendar-as-of-slider-label', 'data-position');
    await page.waitForSelector('#calendar-as-of-slider:not([disabled])');
    await slider.focus();
    await page.keyboard.press('End');
    await waitFor('the last stop', async () => (await stopAt()) !== null);
    // Back from the last change (later tests' writes may follow) to the late event…
    for (let i = 0; i < 50 && (await stopAt()) !== late.position; i++) await page.click('#calendar-step-prev');
    expect(await stopAt()).toBe(late.position);
    await page.waitForFunction(() => /Late Symposium/.test(document.querySelector('#calendar-as-of-rows')?.textContent ?? ''));
    expect(await page.inputValue('#calendar-as-of')).not.toBe('');
    // …and one step back with the keyboard: the early event, the calendar without the late one.
    await slider.focus();
    await page.keyboard.press('ArrowLeft');
    await waitFor('the early stop', async () => (await stopAt()) === early.position, 15000, 50);
    await page.waitForFunction(() => !/Late Symposium/.test(document.querySelector('#calendar-as-of-rows')?.textContent ?? ''));
    expect(await page.locator('#calendar-as-of-rows tr', { hasText: 'Early Colloquium' }).count()).toBe(1);
    expect(await page.textContent('#calendar-as-of-slider-label')).toMatch(/^Change \d+ of \d+: EventScheduled, /);
    await check(page, problems, 'audit-calendar-slider');

    // The export of the filtered log (erin's events), as a file.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#log-export')]);
    expect(download.suggestedFilename()).toMatch(/^almanac-export-\d{14}\.ndjson$/);
    const file = join(downloads, download.suggestedFilename());
    await download.saveAs(file);
    const lines = (await readFile(file, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Row);
    expect(lines[0]).toMatchObject({ kind: 'export-header', complete: false });
    const events = lines.filter((l) => l.kind === undefined);
    expect(events.map((e) => e.streamId)).toEqual([`calendar-event-${early.body.id}`]);
    expect(events[0]).toMatchObject({ type: 'EventScheduled', metadata: expect.objectContaining({ actor: 'erin' }) });
    expect(lines[lines.length - 1]).toMatchObject({ kind: 'export-summary', count: 1 });
    await page.waitForSelector('#log-status.ok');
  });

  it("verifies a kept checkpoint green; another key's checkpoint and a log cut short by the database's owner red", async () => {
    const made = await write('POST', '/v1/events', 'alice', timed('Sealed Lecture', '2031-07-01T09:00', '2031-07-01T10:00'));
    const { page, problems } = await signIn('auditor');
    // A checkpoint kept after the event was written (the sealer seals it within moments).
    const events = (await http<{ items: LogItem[] }>(base, 'GET', '/v1/audit/log?limit=1000', { token: await token('audrey', 'auditor') })).body.items.length;
    const kept = await waitFor('a checkpoint covering the last write', async () => {
      const note = (await http(base, 'GET', '/v1/audit/checkpoint')).text;
      return Number(note.split('\n')[1]) >= events ? note : undefined;
    });
    await page.fill('#checkpoint-text', kept);
    await page.click('#checkpoint-form button[type=submit]');
    await page.waitForSelector('#checkpoint-result.ok');
    expect(await page.textContent('#checkpoint-result')).toMatch(/Verified/);
    expect(await page.locator('#checkpoint-result li.ok').count()).toBe(2);

    // The same tree, signed by another key under the same name: another log's, or a forgery.
    const [origin, size, root] = kept.split('\n');
    const keyName = /^\u2014 (\S+) /m.exec(kept)![1];
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    const keyId = createHash('sha256')
      .update(Buffer.concat([Buffer.from(keyName), Buffer.from([0x0a, 0x01]), raw]))
      .digest()
      .subarray(0, 4);
    const body = `${origin}\n${size}\n${root}\n`;
    const forged = `${body}\n\u2014 ${keyName} ${Buffer.concat([keyId, sign(null, Buffer.from(body), privateKey)]).toString('base64')}\n`;
    await page.fill('#checkpoint-text', forged);
    await page.click('#checkpoint-form button[type=submit]');
    await page.waitForSelector('#checkpoint-result.error');
    expect(await page.textContent('#checkpoint-result')).toMatch(/Not verified/);
    expect(await page.getAttribute('#checkpoint-result li[data-check=signature]', 'class')).toBe('error');
    await check(page, problems, 'audit-checkpoint-forged');

    // The kept checkpoint again, after the owner removed the event it covers (triggers off).
    const owner = new Client({ connectionString: db.url });
    await owner.connect();
    let gone: Row[] = [];
    try {
      await owner.query('BEGIN');
      await owner.query('SET LOCAL session_replication_role = replica');
      gone = (await owner.query<Row>(`DELETE FROM events WHERE stream_id = $1 RETURNING *, transaction_id::text AS transaction_id`, [`calendar-event-${made.body.id}`])).rows;
      await owner.query('COMMIT');
      expect(gone).toHaveLength(1);
      await page.fill('#checkpoint-text', kept);
      await page.click('#checkpoint-form button[type=submit]');
      await page.waitForSelector('#checkpoint-result.error');
      expect(await page.getAttribute('#checkpoint-result li[data-check=signature]', 'class')).toBe('ok');
      expect(await page.getAttribute('#checkpoint-result li[data-check=consistent]', 'class')).toBe('error');
      expect(await page.textContent('#checkpoint-divergent')).toContain(`calendar-event-${made.body.id}`);
      await check(page, problems, 'audit-checkpoint-cut');
    } finally {
      // Put the row back as it was, so the log verifies again for anything after this test.
      if (gone.length) {
        await owner.query('BEGIN');
        await owner.query('SET LOCAL session_replication_role = replica');
        for (const r of gone) {
          await owner.query(
            `INSERT INTO events (position, id, stream_id, version, type, schema_version, data, metadata, recorded_at, prev_hash, hash, transaction_id)
             OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::xid8)`,
            [r.position, r.id, r.stream_id, r.version, r.type, r.schema_version, r.data, r.metadata, r.recorded_at, r.prev_hash, r.hash, r.transaction_id],
          );
        }
        await owner.query('COMMIT');
      }
      await owner.end();
    }
    await page.fill('#checkpoint-text', kept);
    await page.click('#checkpoint-form button[type=submit]');
    await page.waitForSelector('#checkpoint-result.ok');
  });

  it('shows an admin why a delivery sent nothing, and sends it again once the mail server takes it', async () => {
    // The mail server refuses for good (550): the confirmation is a failed delivery with its reason.
    smtp.refuse(550);
    const signUp = await http(base, 'POST', '/v1/subscriptions', { body: { email: 'ines@example.test', countries: ['MN'] } });
    expect(signUp.status).toBe(202);
    const admin = await token('root', 'admin');
    const failed = await waitFor('the confirmation to fail', async () => {
      const r = await http<{ items: Array<{ deliveryKey: string; status: string; reasonCode: string | null }> }>(base, 'GET', '/v1/admin/deliveries?email=ines@example.test', { token: admin });
      return r.body.items.find((d) => d.status === 'failed');
    });
    expect(failed.reasonCode).toBe('smtp-550');

    const { page, problems } = await signIn('admin');
    await page.fill('#deliveries-form input[name=email]', 'nobody@example.test');
    await page.click('#deliveries-form button[type=submit]');
    await page.waitForSelector('#deliveries-none');
    expect(await page.textContent('#deliveries-none')).toMatch(/nothing was sent/);

    await page.fill('#deliveries-form input[name=email]', 'ines@example.test');
    await page.click('#deliveries-form button[type=submit]');
    const row = page.locator(`#deliveries-rows tr[data-delivery-key="${failed.deliveryKey}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('failed');
    expect(await row.locator('td.why').textContent()).toMatch(/^Nothing sent: .+ \(code smtp-550, 1 attempt\)$/);
    await check(page, problems, 'admin-deliveries');

    // The server takes mail again: "Send again" delivers it, once.
    smtp.accept();
    await row.getByRole('button', { name: 'Send again' }).click();
    await page.waitForSelector('#deliveries-status.ok');
    await waitFor('the confirmation to arrive', async () => smtp.messages.some((m) => m.envelopeTo.includes('ines@example.test')), 30000, 100);
    await waitFor(
      'the row to say sent',
      async () => {
        await page.click('#deliveries-form button[type=submit]');
        return (await row.getAttribute('data-status')) === 'sent';
      },
      30000,
      300,
    );
    expect(await row.locator('td.why').textContent()).toMatch(/^Sent at /);
    expect(smtp.messages.filter((m) => m.envelopeTo.includes('ines@example.test'))).toHaveLength(1);
  });

  it('shows an admin why a delivery was skipped: its subscriber was erased while the mail server kept refusing', async () => {
    // A temporary refusal (451): the confirmation stays pending, to be tried again.
    smtp.refuse(451);
    const admin = await token('root', 'admin');
    try {
      expect((await http(base, 'POST', '/v1/subscriptions', { body: { email: 'jon@example.test', countries: ['MN'] } })).status).toBe(202);
      const pending = await waitFor('the confirmation to be refused once', async () => {
        const r = await http<{ items: Array<{ deliveryKey: string; subscriptionId: string; status: string; reason: string | null }> }>(base, 'GET', '/v1/admin/deliveries?email=jon@example.test', {
          token: admin,
        });
        return r.body.items.find((d) => d.status === 'pending' && d.reason);
      });
      const { page, problems } = await signIn('admin');
      await page.fill('#deliveries-form input[name=email]', 'jon@example.test');
      await page.click('#deliveries-form button[type=submit]');
      const row = page.locator(`#deliveries-rows tr[data-delivery-key="${pending.deliveryKey}"]`);
      await row.waitFor();
      expect(await row.locator('td.why').textContent()).toMatch(/^Not sent yet, will be tried again: attempt \d+ failed: /);

      // Erased before the next attempt: that attempt sends nothing, and says why.
      expect((await http(base, 'DELETE', `/v1/admin/subscriptions/${pending.subscriptionId}`, { token: admin })).status).toBe(204);
      await waitFor(
        'the delivery to be skipped',
        async () => {
          const r = await http<{ items: Array<{ deliveryKey: string; status: string }> }>(base, 'GET', '/v1/admin/deliveries', { token: admin });
          return r.body.items.find((d) => d.deliveryKey === pending.deliveryKey)?.status === 'skipped';
        },
        60000,
        200,
      );
      // The address is gone with its hash: the latest deliveries (no filter) show it.
      await page.fill('#deliveries-form input[name=email]', '');
      await page.click('#deliveries-form button[type=submit]');
      await page.waitForSelector(`#deliveries-rows tr[data-delivery-key="${pending.deliveryKey}"][data-status="skipped"]`);
      expect(await row.locator('td.why').textContent()).toBe('Nothing sent: the subscriber was erased');
      expect(await row.locator('button').count()).toBe(0);
      await check(page, problems, 'admin-deliveries-skipped');
    } finally {
      smtp.accept();
    }
    expect(smtp.messages.some((m) => m.envelopeTo.includes('jon@example.test'))).toBe(false);
  });

  it("shows an admin a webhook's delivery attempts, failed then delivered, and pauses and resumes it", async () => {
    const admin = await token('root', 'admin');
    // The receiver fails the first attempt, then takes every one.
    let calls = 0;
    receiver.answer(() => (++calls === 1 ? 503 : 200));
    const created = await http<{ id: string }>(base, 'POST', '/v1/admin/webhooks', { token: admin, body: { url: receiver.url, description: 'intranet' } });
    expect(created.status).toBe(201);
    const ev = await write('POST', '/v1/events', 'alice', timed('Hooked Seminar', '2031-08-01T09:00', '2031-08-01T10:00'));
    await waitFor('the event delivered to the receiver', async () => receiver.accepted().some((r) => r.body.includes(ev.body.id)), 30000, 100);

    const { page, problems } = await signIn('admin');
    const endpoint = page.locator(`#webhooks tr[data-webhook-id="${created.body.id}"]`);
    await endpoint.waitFor();
    expect(await endpoint.getAttribute('data-status')).toBe('active');
    expect(await endpoint.textContent()).toContain(receiver.url);
    await endpoint.locator('button[data-action=deliveries]').click();
    await page.waitForSelector(`#webhook-attempts tr[data-position="${ev.position}"][data-ok="true"]`);
    const attempts = page.locator(`#webhook-attempts tr[data-position="${ev.position}"]`);
    expect(await attempts.count()).toBe(2);
    // Newest first: the 200, then the 503 before it.
    expect(await attempts.nth(0).locator('td').nth(4).textContent()).toBe('200');
    expect(await attempts.nth(1).locator('td').nth(4).textContent()).toBe('503');
    expect(await attempts.nth(1).getAttribute('data-ok')).toBe('false');
    await check(page, problems, 'admin-webhooks');

    await endpoint.locator('button[data-action=pause]').click();
    await page.waitForSelector(`#webhooks tr[data-webhook-id="${created.body.id}"][data-status="paused"]`);
    expect((await http<{ status: string }>(base, 'GET', `/v1/admin/webhooks/${created.body.id}`, { token: admin })).body.status).toBe('paused');
    await endpoint.locator('button[data-action=resume]').click();
    await page.waitForSelector(`#webhooks tr[data-webhook-id="${created.body.id}"][data-status="active"]`);
    expect((await http<{ status: string }>(base, 'GET', `/v1/admin/webhooks/${created.body.id}`, { token: admin })).body.status).toBe('active');
  });

  it('an admin registers a webhook for one event type, rotates its secret, and redelivers an attempt; the receiver verifies each with the rotated secret', async () => {
    const admin = await token('root', 'admin');
    const hook = await startWebhookReceiver('/rotated');
    try {
      const { page, problems } = await signIn('admin');
      const form = page.locator('#webhook-register');
      await form.locator('input[name=url]').fill(hook.url);
      await form.locator('input[name=eventTypes]').fill('EventScheduled');
      await form.locator('button[type=submit]').click();
      const first = (await page.waitForSelector('#webhook-secret-value')).textContent();
      const secret1 = (await first) ?? '';
      expect(secret1).toMatch(/^whsec_/);
      const listed = await http<{ items: Array<{ id: string; url: string; eventTypes: string[] }> }>(base, 'GET', '/v1/admin/webhooks', { token: admin });
      const ep = listed.body.items.find((e) => e.url === hook.url)!;
      expect(ep.eventTypes).toEqual(['EventScheduled']);
      const row = page.locator(`#webhooks tr[data-webhook-id="${ep.id}"]`);
      await row.waitFor();

      await row.locator('button[data-action=rotate]').click();
      await page.waitForFunction((old) => document.querySelector('#webhook-secret-value')?.textContent !== old, secret1);
      const secret2 = (await page.textContent('#webhook-secret-value')) ?? '';
      expect(secret2).toMatch(/^whsec_/);
      await check(page, problems, 'admin-webhooks-rotated');

      // Signed with the rotated secret (the old one signs alongside for 24 h; the receiver knows only the new one).
      const ev = await write('POST', '/v1/events', 'alice', timed('Signed Colloquium', '2031-09-01T09:00', '2031-09-01T10:00'));
      const sent = () => hook.accepted().filter((r) => r.body.includes(ev.body.id));
      await waitFor('the event delivered to the new endpoint', () => sent().length === 1, 30000, 100);
      const verified = new Webhook(secret2).verify(sent()[0].body, sent()[0].headers) as { type: string };
      expect(verified.type).toBe('EventScheduled');

      await row.locator('button[data-action=deliveries]').click();
      const attempt = page.locator(`#webhook-attempts tr[data-position="${ev.position}"][data-ok="true"]`);
      await attempt.waitFor();
      await attempt.locator('button[data-action=redeliver]').click();
      await page.waitForSelector('#webhooks-status.ok');
      expect(await page.textContent('#webhooks-status')).toContain(`position ${ev.position}`);
      await waitFor('the event delivered again', () => sent().length === 2, 30000, 100);
      const again = sent()[1];
      expect(again.headers['webhook-id']).toBe(sent()[0].headers['webhook-id']);
      expect(new Webhook(secret2).verify(again.body, again.headers)).toEqual(JSON.parse(sent()[0].body));
      expect(problems).toEqual([]);
    } finally {
      await hook.close();
    }
  });

  it('steps the as-of slider back past its first load (the latest 2,000 changes) into the changes before them', async () => {
    // One write of 2,100 entries (a schedule and its changes): with this file's earlier writes, a log longer than one load.
    const id = randomUUID();
    const changes = Array.from({ length: 2099 }, (_, k) => ({ type: 'EventDetailsChanged', data: { title: `Long log ${k + 1}` } }));
    const scheduled = {
      type: 'EventScheduled',
      data: {
        title: 'Long log',
        description: '',
        programme: null,
        location: { city: 'Seoul', country: 'KR', venue: null },
        timeZone: 'Asia/Seoul',
        start: { date: '2015-05-04' },
        end: { date: '2015-05-04' },
      },
    };
    await new PostgresEventStore(db.dataSource, new UpcasterRegistry()).append(`calendar-event-${id}`, 0, [scheduled, ...changes], {
      actor: 'tester',
      correlationId: 'long-log',
      causationId: 'long-log',
    });

    const { page, problems } = await signIn('auditor');
    await page.waitForSelector('#calendar-as-of-slider:not([disabled])');
    const stopAt = () => page.getAttribute('#calendar-as-of-slider-label', 'data-position');
    const label = () => page.textContent('#calendar-as-of-slider-label');
    // It opens at the latest change, of the latest 2,000 (later writes of other tests may follow this write).
    const latest = (await stopAt())!;
    expect(await label()).toMatch(/^Change 2000 of 2000: /);
    const auditor = await token('audrey', 'auditor');
    const positions: string[] = [];
    for (let after: string | null = '0'; after !== null;) {
      const r: { body: { items: { position: string }[]; nextAfter: string | null } } = await http(base, 'GET', `/v1/audit/log?after=${after}&limit=1000`, { token: auditor });
      positions.push(...r.body.items.map((i) => i.position));
      after = r.body.nextAfter;
    }
    const log = positions.slice(0, positions.indexOf(latest) + 1);
    expect(log.length).toBeGreaterThan(2100);
    const earlier = Math.min(2000, log.length - 2000);

    await page.locator('#calendar-as-of-slider').focus();
    await page.keyboard.press('Home');
    await waitFor('the first stop of the first load', async () => (await stopAt()) === log[log.length - 2000], 15000, 50);
    expect(await page.isDisabled('#calendar-step-prev')).toBe(false);
    await page.click('#calendar-step-prev');
    await waitFor('the change just before the first load', async () => (await stopAt()) === log[log.length - 2001], 15000, 50);
    expect(await label()).toMatch(new RegExp(`^Change ${earlier} of ${2000 + earlier}: Event`));
    // The calendar follows the stop: the as-of picker holds its instant.
    expect(await page.inputValue('#calendar-as-of')).not.toBe('');
    await check(page, problems, 'audit-calendar-slider-earlier');
  });
});
