import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { Role } from '../../src/common/auth/principal';
import { TokenService } from '../../src/modules/auth/tokens';
import { Child, queuePrefix } from '../ops/support';
import { TEST_JWT_SECRET, http } from '../support/app';
import { TestDatabase, createTestDatabase } from '../support/database';
import { waitFor } from '../support/wait';
import { checkPage, launchChromium, newPage, startBuiltApp } from './browser';

const LISTING = readFileSync(resolve(__dirname, '../../data/unesco-beijing-listing.txt'), 'utf8');

interface Ev {
  id: string;
  title: string;
  version: number;
  status: string;
  startsAt: string;
  start: { date?: string; dateTime?: string };
  recurrence?: string[];
  recurringEventId?: string;
}
interface LogPage {
  items: Array<{ position: string; type: string; streamId: string }>;
}

/**
 * The staff desk's import with a preview, recurrence editor with its preview, and instance edits
 * and splits, in Debian's Chromium against the built app (`node dist/main.js all`). Every page: a
 * screenshot, no serious axe violation, no CSP violation.
 */
describe('staff desk (browser): import, recurrence, instances', () => {
  // A browser session of many steps, each waiting on the page (never on a timer).
  jest.setTimeout(180_000);
  let db: TestDatabase;
  let app: Child;
  let base: string;
  let browser: Browser;
  const tokens = new TokenService(TEST_JWT_SECRET);
  const token = (sub: string, ...roles: Role[]) => tokens.sign(sub, roles);

  beforeAll(async () => {
    db = await createTestDatabase('desk');
    ({ app, base } = await startBuiltApp((base) => ({ DATABASE_URL: db.url, QUEUE_PREFIX: queuePrefix('desk'), PUBLIC_BASE_URL: base })));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.kill();
    await db?.drop();
  });

  const check = checkPage;

  async function signInAsStaff(page: Page, search = ''): Promise<void> {
    await page.goto(`${base}/console${search}`);
    await page.click('button[data-role=staff]');
    await page.waitForSelector('#schedule-form');
  }

  /** The log after `position`, as an auditor reads it. */
  async function logAfter(position: string): Promise<LogPage['items']> {
    const r = await http<LogPage>(base, 'GET', `/v1/audit/log?after=${position}&limit=1000`, { token: await token('audrey', 'auditor') });
    expect(r.status).toBe(200);
    return r.body.items;
  }

  const series = async (id: string) => (await http<Ev>(base, 'GET', `/v1/events/${id}`)).body;

  it('previews a listing row by row, appends nothing until Import, then imports it and shows the events', async () => {
    // One row imported before: the preview must say it will be skipped.
    const rows = LISTING.split('\n');
    const ulaanbaatar = rows.find((l) => /Ulaanbaatar/.test(l))!;
    const earlier = await http<{ summary: { created: number } }>(base, 'POST', '/v1/imports', {
      token: await token('importer', 'staff'),
      body: `When Where\n${ulaanbaatar}\n`,
      headers: { 'content-type': 'text/plain' },
    });
    expect(earlier.body.summary.created).toBe(1);
    const head = earlier.headers.get('x-log-position')!;

    const { page, problems } = await newPage(browser, { timezoneId: 'America/New_York', locale: 'en-GB' });
    await signInAsStaff(page);
    await page.fill('#import-text', `${LISTING}\n3 March 2014 Atlantis, Nowhere Lost Forum\n`);
    expect(await page.isDisabled('#import-run')).toBe(true);
    await page.click('#import-preview');
    await page.waitForSelector('#import-table tbody tr');
    expect(await page.locator('#import-table tr[data-outcome=create]').count()).toBe(4);
    expect(await page.locator('#import-table tr[data-outcome=skip]').count()).toBe(1);
    expect(await page.locator('#import-table tr[data-outcome=fail]').count()).toBe(1);
    expect(await page.textContent('#import-table tr[data-outcome=skip]')).toMatch(/Ulaanbaatar, Mongolia.*Already imported, will be skipped/);
    // The venue's dates, its zone, the place.
    const seoul = page.locator('#import-table tr', { hasText: 'ICEGOV2013' });
    expect(await seoul.textContent()).toMatch(/22\s*[–-]\s*25 October 2013.*Seoul, South Korea.*Asia\/Seoul.*Will be created/);
    expect(await page.textContent('#import-table tr[data-outcome=fail]')).toMatch(/Error: unknown country/);
    expect(await page.textContent('#import-status')).toMatch(/4 new events will be created; 1 already imported .*1 row with an error\. Nothing has been imported yet\./);
    // Nothing appended by the preview.
    expect(await logAfter(head)).toEqual([]);
    await check(page, problems, 'desk-import-preview');

    // Changing the text after the preview: Import waits for a preview of what it would import.
    await page.fill('#import-text', `${LISTING}\n`);
    expect(await page.isDisabled('#import-run')).toBe(true);
    await page.click('#import-preview');
    await page.waitForFunction(() => document.querySelectorAll('#import-table tr[data-outcome=fail]').length === 0 && document.querySelectorAll('#import-table tbody tr').length === 5);
    expect(await page.isDisabled('#import-run')).toBe(false);
    expect(await logAfter(head)).toEqual([]);

    await page.click('#import-run');
    await page.waitForSelector('#desk-status.ok');
    expect(await page.textContent('#import-status')).toBe('Imported: 4 events created, 1 skipped, 0 failed.');
    const appended = await logAfter(head);
    expect(appended.map((e) => e.type)).toEqual(['EventScheduled', 'EventScheduled', 'EventScheduled', 'EventScheduled']);
    // The desk shows October 2013 with the five events, the new ones and the one imported before.
    expect(await page.inputValue('#desk-month')).toBe('2013-10');
    for (const e of appended) expect(await page.locator(`#desk-events tr[data-event-id="${e.streamId.replace('calendar-event-', '')}"]`).count()).toBe(1);
    expect(await page.locator('#desk-events tbody tr').count()).toBe(5);
    await check(page, problems, 'desk-import-done');
  });

  it("the recurrence editor builds the rule and previews the next instances at the venue's time across a DST change, then saves the series", async () => {
    const { page, problems } = await newPage(browser, { timezoneId: 'Europe/Paris', locale: 'en-GB' });
    await signInAsStaff(page);
    const form = page.locator('#schedule-form');
    await form.locator('input[name=title]').fill('Steppe Heritage Weekly');
    await form.locator('input[name=city]').fill('Ulaanbaatar');
    await form.locator('select[name=country]').selectOption('MN');
    await form.locator('input[name=allDay]').uncheck();
    await form.locator('input[name=start]').fill('2016-09-13T09:00');
    await form.locator('input[name=end]').fill('2016-09-13T10:30');
    // Weekly on Tuesdays and Thursdays, every week, 6 times: Mongolia's last DST ended on 24 September 2016.
    await page.selectOption('#rrule-freq', 'WEEKLY');
    await page.check('#recurrence-editor input[name=byday][value=TU]');
    await page.check('#recurrence-editor input[name=byday][value=TH]');
    await page.selectOption('#rrule-ends', 'count');
    await page.fill('#rrule-count', '6');
    expect(await form.locator('input[name=recurrence]').inputValue()).toBe('RRULE:FREQ=WEEKLY;BYDAY=TU,TH;COUNT=6');
    await page.waitForFunction(() => document.querySelectorAll('#recurrence-preview li').length === 6);
    const items = page.locator('#recurrence-preview li');
    expect(await items.evaluateAll((lis) => lis.map((li) => li.getAttribute('data-starts-at')))).toEqual([
      '2016-09-13T00:00:00Z',
      '2016-09-15T00:00:00Z',
      '2016-09-20T00:00:00Z',
      '2016-09-22T00:00:00Z',
      '2016-09-27T01:00:00Z',
      '2016-09-29T01:00:00Z',
    ]);
    // The venue's wall clock stays 09:00; the visitor's (Paris) moves with the two zones' changes.
    for (const text of await items.allTextContents()) expect(text).toMatch(/09:00 \(Asia\/Ulaanbaatar; your time: .*0[23]:00\)/);
    expect(await items.nth(0).textContent()).toMatch(/Tuesday,? 13 September 2016.*your time: 13 Sept? 2016, 02:00/);
    expect(await items.nth(4).textContent()).toMatch(/Tuesday,? 27 September 2016.*your time: 27 Sept? 2016, 03:00/);
    expect(await page.textContent('#recurrence-preview-status')).toMatch(/All 6 instances, at the venue's time \(Asia\/Ulaanbaatar\)/);
    await check(page, problems, 'desk-recurrence-preview');

    // Monthly, the last Friday: the ordinal shows and the rule has it.
    await page.selectOption('#rrule-freq', 'MONTHLY');
    await page.uncheck('#recurrence-editor input[name=byday][value=TU]');
    await page.uncheck('#recurrence-editor input[name=byday][value=TH]');
    await page.check('#recurrence-editor input[name=byday][value=FR]');
    await page.selectOption('#recurrence-editor select[name=ordinal-FR]', '-1');
    await page.selectOption('#rrule-ends', 'until');
    await page.fill('#rrule-until', '2016-12-31');
    expect(await form.locator('input[name=recurrence]').inputValue()).toBe('RRULE:FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20161231');
    await page.waitForFunction(() => document.querySelector('#recurrence-preview li')?.getAttribute('data-starts-at') === '2016-09-30T01:00:00Z');
    expect(await items.evaluateAll((lis) => lis.map((li) => li.getAttribute('data-starts-at')))).toEqual([
      '2016-09-30T01:00:00Z',
      '2016-10-28T01:00:00Z',
      '2016-11-25T01:00:00Z',
      '2016-12-30T01:00:00Z',
    ]);
    // A rule the server refuses is said, with the server's reason.
    await form.locator('input[name=recurrence]').fill('RRULE:FREQ=WEEKLY;BYDAY=-1FR');
    await page.waitForSelector('#recurrence-preview-status.error');
    expect(await page.textContent('#recurrence-preview-status')).toMatch(/ordinal .* needs FREQ=MONTHLY or YEARLY/);

    // Back to the weekly rule, saved: the desk lists the instances the preview showed.
    await page.selectOption('#rrule-freq', 'WEEKLY');
    await page.uncheck('#recurrence-editor input[name=byday][value=FR]');
    await page.check('#recurrence-editor input[name=byday][value=TU]');
    await page.check('#recurrence-editor input[name=byday][value=TH]');
    await page.selectOption('#rrule-ends', 'count');
    await page.fill('#rrule-count', '6');
    await page.waitForFunction(() => document.querySelectorAll('#recurrence-preview li').length === 6);
    const previewed = await items.evaluateAll((lis) => lis.map((li) => li.getAttribute('data-starts-at')));
    await form.locator('button[type=submit]').click();
    await page.waitForSelector('#desk-status.ok');
    const rows = page.locator('#desk-events tr', { hasText: 'Steppe Heritage Weekly' });
    expect(await rows.count()).toBe(6);
    const ids = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-event-id')!));
    expect(ids.map((i) => i.split('_')[1])).toEqual(previewed.map((s) => `${s!.slice(0, 19).replace(/[-:]/g, '')}Z`));
    expect((await series(ids[0].split('_')[0])).recurrence).toEqual(['RRULE:FREQ=WEEKLY;BYDAY=TU,TH;COUNT=6']);
    expect(await page.locator('#recurrence-preview li').count()).toBe(0);
    await check(page, problems, 'desk-recurrence-saved');
  });

  it('edits one instance of a series, then splits the series there ("this and following"), each seen in the console', async () => {
    const scheduled = await http<Ev>(base, 'POST', '/v1/events', {
      token: await token('alice', 'staff'),
      body: {
        title: 'Gobi Field School',
        location: { city: 'Ulaanbaatar', country: 'MN' },
        start: { date: '2014-03-03' },
        end: { date: '2014-03-03' },
        recurrence: ['RRULE:FREQ=WEEKLY;COUNT=4'],
      },
    });
    expect(scheduled.status).toBe(201);
    const id = scheduled.body.id;
    // The desk's first read asks for no log position: the calendar must have the series before the page opens.
    await waitFor(
      'the series in the calendar',
      async () => {
        const r = await http<{ items: Ev[] }>(base, 'GET', '/v1/events?from=2014-03-01&to=2014-04-01', { headers: { 'x-min-log-position': scheduled.headers.get('x-log-position')! } });
        return r.status === 200 && r.body.items.length === 4;
      },
      60000,
      100,
    );
    const { page, problems } = await newPage(browser, { timezoneId: 'Asia/Ulaanbaatar', locale: 'en-GB' });
    await signInAsStaff(page, '?month=2014-03');
    const row = (iid: string) => page.locator(`#desk-events tr[data-event-id="${iid}"]`);
    await row(`${id}_20140317`).waitFor();
    expect(await row(`${id}_20140310`).textContent()).toMatch(/Instance of a series/);

    // Edit the second instance's title only.
    await row(`${id}_20140310`).getByRole('button', { name: 'Edit' }).click();
    await page.fill('#edit-form input[name=title]', 'Gobi Field School: fossil day');
    await page.click('#edit-form button[type=submit]');
    await page.waitForFunction((iid) => /fossil day/.test(document.querySelector(`#desk-events tr[data-event-id="${iid}"]`)?.textContent ?? ''), `${id}_20140310`);
    await page.waitForSelector('#desk-status.ok');
    expect(await row(`${id}_20140303`).textContent()).not.toMatch(/fossil day/);
    expect(await row(`${id}_20140317`).textContent()).not.toMatch(/fossil day/);
    expect((await series(id)).title).toBe('Gobi Field School');
    await check(page, problems, 'desk-instance-edit');

    // This and following, from the third instance.
    await row(`${id}_20140317`).getByRole('button', { name: 'This and following' }).click();
    await page.waitForSelector('#split-form');
    expect(await page.textContent('#split-form')).toMatch(/The series ends before this instance/);
    // The times and details of this and the following instances change with the split, in its one write.
    expect(await page.inputValue('#split-form input[name=title]')).toBe('Gobi Field School');
    expect(await page.inputValue('#split-form input[name=start]')).toBe('2014-03-17');
    await page.fill('#split-form input[name=title]', 'Gobi Field School (spring term)');
    await page.fill('#split-form input[name=end]', '2014-03-18');
    await check(page, problems, 'desk-split-form');
    await page.click('#split-form button[type=submit]');
    await page.waitForSelector('#desk-status.ok');
    const after = await page.locator('#desk-events tr', { hasText: 'Gobi Field School' }).evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-event-id')!));
    expect(after).toHaveLength(4);
    expect(after.slice(0, 2)).toEqual([`${id}_20140303`, `${id}_20140310`]);
    const newId = after[2].split('_')[0];
    expect(newId).not.toBe(id);
    expect(after.slice(2)).toEqual([`${newId}_20140317`, `${newId}_20140324`]);
    expect(await row(`${id}_20140310`).textContent()).toMatch(/fossil day/);
    const [old, split] = await Promise.all([series(id), series(newId)]);
    expect(old.recurrence).toEqual([expect.stringMatching(/^RRULE:FREQ=WEEKLY;(COUNT=2|UNTIL=201403(1[0-6]))/)]);
    expect(split).toMatchObject({ title: 'Gobi Field School (spring term)', start: { date: '2014-03-17' }, end: { date: '2014-03-18' }, version: 1 });
    expect(old.title).toBe('Gobi Field School');
    for (const iid of after.slice(2)) expect(await row(iid).textContent()).toMatch(/Gobi Field School \(spring term\)/);
    expect(await row(`${id}_20140303`).textContent()).not.toMatch(/spring term/);
    await check(page, problems, 'desk-split-done');

    // The new series' rule changed from the desk: fortnightly, twice; the preview is the server's.
    await row(`${newId}_20140317`).getByRole('button', { name: 'Change the rule' }).click();
    await page.waitForSelector('#rule-form');
    expect(await page.inputValue('#rule-form input[name=recurrence]')).toMatch(/^RRULE:FREQ=WEEKLY/);
    await page.fill('#rule-form input[name=recurrence]', 'RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=2');
    await page.waitForFunction(
      () => document.querySelectorAll('#rule-form #recurrence-preview li').length === 2 && /31/.test(document.querySelector('#rule-form #recurrence-preview')?.textContent ?? ''),
    );
    await check(page, problems, 'desk-rule-form');
    await page.click('#rule-form button[type=submit]');
    await page.waitForFunction((iid) => !!document.querySelector(`#desk-events tr[data-event-id="${iid}"]`), `${newId}_20140331`);
    await page.waitForSelector('#desk-status.ok');
    expect(await row(`${newId}_20140324`).count()).toBe(0);
    expect((await series(newId)).recurrence).toEqual(['RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=2']);
  });
});
