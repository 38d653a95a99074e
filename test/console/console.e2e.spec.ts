import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { DataSource } from 'typeorm';
import { PostgresEventStore } from '../../src/events/postgres-event-store';
import { UpcasterRegistry } from '../../src/events/upcasters';
import { Role } from '../../src/common/auth/principal';
import { TokenService } from '../../src/modules/auth/tokens';
import { Child, queuePrefix } from '../ops/support';
import { TEST_JWT_SECRET, http } from '../support/app';
import { TestDatabase, createTestDatabase } from '../support/database';
import { waitFor } from '../support/wait';
import { checkPage, launchChromium, newPage, screenshot, startBuiltApp } from './browser';

const LISTING = readFileSync(resolve(__dirname, '../../data/unesco-beijing-listing.txt'), 'utf8');

interface Ev {
  id: string;
  title: string;
  version: number;
  start: { date?: string };
  end: { date?: string };
  location: { city: string };
  status: string;
}

/**
 * The web console in Debian's Chromium against the built app (`node dist/main.js all`, as
 * `npm start` runs it): the public calendar, the staff desk, the auditor's timeline, the admin's
 * projections, in the office's languages. Every page: a screenshot, no serious axe violation,
 * no CSP violation.
 */
describe('web console (browser)', () => {
  // A browser session of many steps, each waiting on the page (never on a timer).
  jest.setTimeout(180_000);
  let db: TestDatabase;
  let app: Child;
  let base: string;
  let browser: Browser;
  const tokens = new TokenService(TEST_JWT_SECRET);
  const token = (sub: string, ...roles: Role[]) => tokens.sign(sub, roles);

  beforeAll(async () => {
    db = await createTestDatabase('console');
    // PUBLIC_BASE_URL: the confirmation email's link must lead back to this server.
    ({ app, base } = await startBuiltApp((base) => ({ DATABASE_URL: db.url, QUEUE_PREFIX: queuePrefix('console'), PUBLIC_BASE_URL: base })));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.kill();
    await db?.drop();
  });

  const check = checkPage;

  /** October 2013 once the calendar has applied `minPosition` (a 503 is the 5 s wait running out on a busy machine: ask again). */
  async function october(minPosition: string): Promise<Ev[]> {
    return waitFor(
      'October 2013 with the write applied',
      async () => {
        const r = await http<{ items: Ev[] }>(base, 'GET', '/v1/events?from=2013-10-01&to=2013-10-31&limit=500', { headers: { 'x-min-log-position': minPosition } });
        if (r.status === 503) return undefined;
        expect(r.status).toBe(200);
        return r.body.items;
      },
      60000,
      100,
    );
  }

  it('serves the pages with a CSP that allows no inline script', async () => {
    for (const path of ['/', '/console', '/events/x']) {
      const r = await fetch(`${base}${path}`);
      expect(r.status).toBe(200);
      const csp = r.headers.get('content-security-policy') ?? '';
      expect(csp).toMatch(/script-src 'self'(;|$)/);
      expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
      expect(await r.text()).not.toMatch(/<script>(?!<\/script>)/);
    }
    expect((await fetch(`${base}/assets/nothing.js`)).status).toBe(404);
    expect(await (await fetch(`${base}/console/settings.json`)).json()).toEqual({ devSignIn: true, oidc: null });
  });

  it("a visitor browses October 2013 and sees the listing's events on their days, opens one, subscribes and confirms", async () => {
    const imported = await http(base, 'POST', '/v1/imports', { token: await token('importer', 'staff'), body: LISTING, headers: { 'content-type': 'text/plain' } });
    expect(imported.status).toBeLessThan(300);
    const events = await october(imported.headers.get('x-log-position')!);
    expect(events.length).toBeGreaterThanOrEqual(5);

    // A visitor in New York: all-day events are the venue's dates, the same days everywhere.
    const { page, problems } = await newPage(browser, { timezoneId: 'America/New_York', locale: 'en-US' });
    await page.goto(`${base}/?date=2013-10-01`);
    await page.waitForSelector('.fc-daygrid-event');
    expect(await page.textContent('.fc-toolbar-title')).toContain('October 2013');
    for (const ev of events) {
      const cell = page.locator(`td.fc-daygrid-day[data-date="${ev.start.date}"]`);
      await expect(cell.getByText(ev.title, { exact: false }).first().isVisible()).resolves.toBe(true);
    }
    expect(await page.textContent('.zone')).toContain('America/New_York');
    expect(await page.getAttribute('#webcal-link', 'href')).toMatch(/^webcal:\/\/127\.0\.0\.1:\d+\/v1\/calendar\.ics$/);
    await check(page, problems, 'public-month');

    // Filters: Mongolia only.
    await page.selectOption('select[name=country]', 'MN');
    await page.waitForFunction(
      () => document.querySelectorAll('.fc-daygrid-event').length > 0 && [...document.querySelectorAll('.fc-daygrid-event')].every((e) => /Mongolia|Ulaanbaatar/.test(e.textContent ?? '')),
    );
    expect(await page.getAttribute('#webcal-link', 'href')).toMatch(/calendar\.ics\?country=MN$/);

    // The list view, then an event's page.
    await page.click('.fc-listMonth-button');
    await page.waitForSelector('.fc-list-event');
    await check(page, problems, 'public-list');
    await page.click('.fc-list-event a');
    await page.waitForSelector('#venue-time');
    expect(await page.textContent('main h1')).toMatch(/Mongolia/);
    expect(await page.textContent('#venue-time')).toMatch(/October 28, 2013/);
    await check(page, problems, 'public-event');

    // Subscribe (double opt-in): the form, the mailbox, the confirm page's button.
    await page.goto(`${base}/?date=2013-10-01`);
    await page.fill('input[name=email]', 'visitor@example.test');
    await page.click('#subscribe-form button[type=submit]');
    await page.waitForSelector('#subscribe-status:has-text("Check your inbox")');
    const link = await waitFor(
      'the confirmation email',
      async () => {
        const r = await http<{ items: Array<{ to: string; text: string }> }>(base, 'GET', '/dev/mailbox.json');
        const mail = r.body.items.find((m) => m.to.includes('visitor@example.test'));
        return mail ? /(http:\/\/\S+\/v1\/subscriptions\/confirm\?token=[A-Za-z0-9._-]+)/.exec(mail.text)?.[1] : undefined;
      },
      20000,
      100,
    );
    await page.goto(link);
    await page.click('button[type=submit], form button');
    await page.waitForLoadState();
    expect(await page.textContent('body')).toMatch(/confirmed/i);
  });

  it('staff sign in, schedule an event, see it, edit it through a conflict, reschedule and cancel it', async () => {
    const { page, problems } = await newPage(browser, { timezoneId: 'Asia/Seoul', locale: 'en-GB' });
    await page.goto(`${base}/console`);
    await page.waitForSelector('button[data-role=staff]');
    await check(page, problems, 'console-sign-in');
    await page.fill('#dev-sub', 'alice');
    const signedIn = page.waitForResponse((r) => r.url() === `${base}/console/dev-sign-in`);
    await page.click('button[data-role=staff]');
    await page.waitForSelector('#schedule-form');
    expect(await page.textContent('#signed-in')).toContain('alice (staff)');
    // The token stays in the page's memory: web storage keeps only which role the tab picked, so
    // a reload picks it again.
    const devToken = ((await (await signedIn).json()) as { token: string }).token;
    const held = await page.evaluate(() => [localStorage, sessionStorage].flatMap((s) => Object.keys(s).map((k) => `${k}=${s.getItem(k) ?? ''}`)));
    expect(held).toEqual(['almanac.console.resume={"kind":"dev","role":"staff","sub":"alice"}']);
    expect(held.join().includes(devToken.split('.')[2])).toBe(false);
    await page.reload();
    await page.waitForSelector('#schedule-form');
    expect(await page.textContent('#signed-in')).toContain('alice (staff)');

    const form = page.locator('#schedule-form');
    await form.locator('input[name=title]').fill('Forum on Nomadic Heritage');
    await form.locator('input[name=city]').fill('Ulaanbaatar');
    await form.locator('select[name=country]').selectOption('MN');
    await form.locator('input[name=start]').fill('2013-10-10');
    await form.locator('input[name=end]').fill('2013-10-11');
    await form.locator('button[type=submit]').click();
    await page.waitForSelector('#desk-status.ok');
    expect(await page.textContent('#desk-status')).toMatch(/visible in the calendar/);
    const row = page.locator('#desk-events tr', { hasText: 'Forum on Nomadic Heritage' });
    expect(await row.count()).toBe(1);
    const id = (await row.getAttribute('data-event-id'))!;
    await check(page, problems, 'console-desk');

    // The public calendar shows it on its day.
    const visitor = await newPage(browser, { timezoneId: 'Europe/Paris' });
    await visitor.page.goto(`${base}/?date=2013-10-01`);
    await visitor.page.waitForSelector('td[data-date="2013-10-10"] .fc-daygrid-event');
    expect(await visitor.page.textContent('td[data-date="2013-10-10"]')).toContain('Forum on Nomadic Heritage');

    // Edit, while someone else changes the event first: 412, the difference shown, re-applied.
    await row.getByRole('button', { name: 'Edit' }).click();
    await page.waitForSelector('#edit-form');
    const other = await http(base, 'PATCH', `/v1/events/${id}`, { token: await token('bob', 'staff'), body: { location: { city: 'Ulaanbaatar', country: 'MN', venue: 'State Opera' } } });
    expect(other.status).toBe(200);
    await page.fill('#edit-form input[name=title]', 'Forum on Nomadic Heritage (2nd)');
    await page.click('#edit-form button[type=submit]');
    await page.waitForSelector('#conflict [role=alert]');
    expect(await page.textContent('#conflict')).toContain('State Opera');
    await check(page, problems, 'console-conflict');
    await page.click('#reapply');
    await page.waitForSelector('#desk-events tr:has-text("Forum on Nomadic Heritage (2nd)")');
    const afterEdit = await http<Ev & { location: { venue: string } }>(base, 'GET', `/v1/events/${id}`);
    expect(afterEdit.body).toMatchObject({ title: 'Forum on Nomadic Heritage (2nd)', location: { venue: 'State Opera' }, version: 3 });

    // Reschedule to the 14th–15th.
    await page.locator(`#desk-events tr[data-event-id="${id}"]`).getByRole('button', { name: 'Reschedule' }).click();
    await page.fill('#reschedule-form input[name=start]', '2013-10-14');
    await page.fill('#reschedule-form input[name=end]', '2013-10-15');
    await page.click('#reschedule-form button[type=submit]');
    await page
      .waitForFunction((eid) => /14\s*[–-]\s*15 October 2013/.test(document.querySelector(`#desk-events tr[data-event-id="${eid}"]`)?.textContent ?? ''), id)
      .catch(async (e: Error) => {
        await screenshot(page, 'failed-reschedule');
        throw new Error(`${e.message}\nstatus: ${await page.textContent('#desk-status')}\nrow: ${await page.textContent(`#desk-events tr[data-event-id="${id}"]`)}`);
      });

    // Cancel it.
    await page.locator(`#desk-events tr[data-event-id="${id}"]`).getByRole('button', { name: 'Cancel event' }).click();
    await page.fill('#cancel-form input[name=reason]', 'venue unavailable');
    await page.click('#cancel-form button[type=submit]');
    await page.waitForFunction((eid) => /Cancelled/.test(document.querySelector(`#desk-events tr[data-event-id="${eid}"]`)?.textContent ?? ''), id);
    expect((await http<Ev>(base, 'GET', `/v1/events/${id}`)).body).toMatchObject({ status: 'cancelled', version: 5, start: { date: '2013-10-14' } });
    expect(problems).toEqual([]);

    // An auditor steps through its versions and moves the as-of slider back to the first.
    const auditor = await newPage(browser);
    await auditor.page.goto(`${base}/console`);
    await auditor.page.click('button[data-role=auditor]');
    await auditor.page.waitForSelector('#history-form');
    await auditor.page.fill('#history-id', id);
    await auditor.page.click('#history-form button[type=submit]');
    await auditor.page.waitForSelector('#history li[data-version="5"]');
    expect(await auditor.page.locator('#history li').count()).toBe(5);
    expect(await auditor.page.textContent('#history li[data-version="3"]')).toContain('Forum on Nomadic Heritage (2nd)');
    expect(await auditor.page.textContent('#history li[data-version="2"]')).toContain('bob');
    await auditor.page.waitForSelector('#as-of-state p');
    expect(await auditor.page.textContent('#as-of-state')).toMatch(/v5 .* Cancelled/);
    await auditor.page.locator('#as-of').fill('0');
    await auditor.page.waitForFunction(() => /^v1 · Forum on Nomadic Heritage ·/.test(document.querySelector('#as-of-state')?.textContent ?? ''));
    await check(auditor.page, auditor.problems, 'console-auditor');

    // A checkpoint the auditor kept verifies green; the same note with one byte changed, red.
    await auditor.page.click('#checkpoint-latest');
    await auditor.page.waitForFunction(() => (document.querySelector('#checkpoint-text') as HTMLTextAreaElement).value.includes('\n— '));
    const kept = await auditor.page.inputValue('#checkpoint-text');
    await auditor.page.click('#checkpoint-form button[type=submit]');
    await auditor.page.waitForSelector('#checkpoint-result.ok');
    expect(await auditor.page.textContent('#checkpoint-result')).toMatch(/Verified/);
    const lines = kept.split('\n');
    lines[1] = String(Number(lines[1]) + 1000); // a tree size the signature does not cover
    await auditor.page.fill('#checkpoint-text', lines.join('\n'));
    await auditor.page.click('#checkpoint-form button[type=submit]');
    await auditor.page.waitForSelector('#checkpoint-result.error');
    expect(await auditor.page.textContent('#checkpoint-result')).toMatch(/Not verified|signature/i);
    await check(auditor.page, auditor.problems, 'console-checkpoint');
  });

  it('staff schedule a weekly series, then move one instance and cancel another', async () => {
    const { page, problems } = await newPage(browser, { timezoneId: 'Asia/Ulaanbaatar', locale: 'en-GB' });
    await page.goto(`${base}/console`);
    await page.click('button[data-role=staff]');
    const form = page.locator('#schedule-form');
    await form.waitFor();
    await form.locator('input[name=title]').fill('Weekly Heritage Seminar');
    await form.locator('input[name=city]').fill('Ulaanbaatar');
    await form.locator('select[name=country]').selectOption('MN');
    await form.locator('input[name=start]').fill('2013-11-05');
    await form.locator('input[name=end]').fill('2013-11-05');
    await form.locator('input[name=recurrence]').fill('RRULE:FREQ=WEEKLY;COUNT=3');
    await form.locator('button[type=submit]').click();
    await page.waitForSelector('#desk-status.ok');
    const rows = page.locator('#desk-events tr', { hasText: 'Weekly Heritage Seminar' });
    expect(await rows.count()).toBe(3);
    const ids = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-event-id')!));
    expect(ids.map((i) => i.split('_')[1])).toEqual(['20131105', '20131112', '20131119']);
    const row = (i: number) => page.locator(`#desk-events tr[data-event-id="${ids[i]}"]`);

    // Move the second instance to the Wednesday.
    await row(1).getByRole('button', { name: 'Reschedule' }).click();
    await page.fill('#reschedule-form input[name=start]', '2013-11-13');
    await page.fill('#reschedule-form input[name=end]', '2013-11-13');
    await page.click('#reschedule-form button[type=submit]');
    await page.waitForFunction((id) => /13 November 2013/.test(document.querySelector(`#desk-events tr[data-event-id="${id}"]`)?.textContent ?? ''), ids[1]);

    // Cancel the third.
    await row(2).getByRole('button', { name: 'Cancel event' }).click();
    await page.fill('#cancel-form input[name=reason]', 'public holiday');
    await page.click('#cancel-form button[type=submit]');
    await page.waitForFunction((id) => /Cancelled/.test(document.querySelector(`#desk-events tr[data-event-id="${id}"]`)?.textContent ?? ''), ids[2]);
    expect(await row(0).textContent()).toMatch(/5 November 2013.*Scheduled/);
    expect(await row(1).textContent()).toMatch(/13 November 2013.*Scheduled/);
    const series = await http<Ev & { recurrence: string[] }>(base, 'GET', `/v1/events/${ids[0].split('_')[0]}`);
    expect(series.body.recurrence).toEqual(['RRULE:FREQ=WEEKLY;COUNT=3']);
    await check(page, problems, 'console-series');
  });

  it('an admin sees the projections and their lag, and skips a parked event with a reason', async () => {
    // An event the calendar cannot apply (PostgreSQL has no year 0), appended behind the app as
    // the database's owner, as an older version without today's limits could have written it.
    const scheduled = await http<Ev>(base, 'POST', '/v1/events', {
      token: await token('alice', 'staff'),
      body: { title: 'Victim', location: { city: 'Seoul', country: 'KR' }, start: { date: '2034-03-10' }, end: { date: '2034-03-11' } },
    });
    expect(scheduled.status).toBe(201);
    const owner = new DataSource({ type: 'postgres', url: db.url });
    await owner.initialize();
    let poison: string;
    try {
      const appended = await new PostgresEventStore(owner, new UpcasterRegistry()).append(
        `calendar-event-${scheduled.body.id}`,
        1,
        [{ type: 'EventRescheduled', data: { start: { date: '0000-01-01' }, end: { date: '0000-01-01' }, timeZone: 'UTC', reason: null } }],
        { actor: 'owner', correlationId: 'poison', causationId: 'poison' },
      );
      poison = appended.position;
    } finally {
      await owner.destroy();
    }
    const adminToken = await token('root', 'admin');
    await waitFor(
      'the calendar to park the stream',
      async () => {
        const r = await http<{ items: Array<{ name: string; parked: Array<{ position: string }> }> }>(base, 'GET', '/v1/admin/projections', { token: adminToken });
        return r.body.items.find((p) => p.name === 'calendar')?.parked.some((x) => x.position === poison);
      },
      30000,
      100,
    );

    const { page, problems } = await newPage(browser);
    await page.goto(`${base}/console`);
    await page.click('button[data-role=admin]');
    const calendarRow = page.locator('#projections tr[data-projection="calendar"]');
    await calendarRow.waitFor();
    expect(await page.locator('#projections tr[data-projection]').count()).toBeGreaterThan(1);
    expect(await calendarRow.textContent()).toContain(`@${poison}`);
    await check(page, problems, 'console-admin');
    await calendarRow.locator('input').fill('year 0 cannot be stored; the event was rescheduled again');
    await calendarRow.getByRole('button', { name: 'Skip this event' }).click();
    await page.waitForFunction(() => /No parked streams/.test(document.querySelector('#projections tr[data-projection="calendar"]')?.textContent ?? ''));
    expect(await page.textContent('#admin-status')).toBe('skip: 200');
    // The decision is in the log, by the admin who took it.
    const log = await http<{ items: Array<{ type: string; metadata: { actor: string } }> }>(base, 'GET', '/v1/audit/log?type=ProjectionEventSkipped', { token: await token('audrey', 'auditor') });
    expect(log.body.items).toEqual([expect.objectContaining({ metadata: expect.objectContaining({ actor: 'dev-admin' }) })]);
  });

  it("speaks the office's languages: picked from the browser or ?lang=, a missing message in English", async () => {
    const ko = await newPage(browser, { locale: 'ko-KR' });
    await ko.page.goto(`${base}/?date=2013-10-01`);
    await ko.page.waitForSelector('.fc-daygrid-event');
    expect(await ko.page.textContent('.filters')).toContain('국가');
    expect(await ko.page.getAttribute('html', 'lang')).toBe('ko');
    await check(ko.page, ko.problems, 'public-ko');

    const mn = await newPage(browser, { locale: 'en-US' });
    await mn.page.goto(`${base}/console?lang=mn`);
    await mn.page.waitForSelector('button[data-role=staff]');
    expect(await mn.page.textContent('main h1')).toBe('Нэвтрэх');
    // The per-key English fallback is proven in test/web/messages.unit.spec.ts.
    expect(await mn.page.textContent('#dev-h')).toBe('Хөгжүүлэлтийн нэвтрэлт: үүргээ сонгоно уу');

    for (const lang of ['zh', 'ja']) {
      await mn.page.goto(`${base}/?lang=${lang}&date=2013-10-01`);
      await mn.page.waitForSelector('.fc-daygrid-event');
      expect(await mn.page.getAttribute('html', 'lang')).toBe(lang);
      expect(await mn.page.textContent('.filters')).toContain(lang === 'zh' ? '国家' : '国');
    }
  });
});
