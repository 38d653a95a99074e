import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { DateTime } from 'luxon';
import { randomUUID } from 'node:crypto';
import ical, { VEvent } from 'node-ical';
import { JOBS, QUEUES } from '../../src/jobs/catalog';
import { sendEmailJobId } from '../../src/modules/mail/email.payload';
import { dueJobId } from '../../src/modules/reminders/domain/notifications';
import { ReminderScheduler } from '../../src/modules/reminders/planning/reminder.scheduler';
import { TestApp, http, startTestApp } from '../support/app';
import { ReceivedMail, TestSmtp, header, settled, startTestSmtp } from '../support/smtp';
import { waitFor } from '../support/wait';

const BASE = 'https://almanac.test';
const FROM = 'almanac@almanac.test';
const ZONE = 'Asia/Seoul';

interface Ics {
  method: string;
  event: VEvent & { attendee?: { val: string } | { val: string }[]; organizer?: { val: string } };
  raw: string;
}

/**
 * Reminders and notices end to end: subscriptions through the HTTP API and their confirmation
 * emails, events through the HTTP API, REAL delayed BullMQ jobs (a PT5M lead time on events
 * starting five minutes and a few seconds from now), and a real SMTP listener.
 */
describe('reminders and notices (e2e, real SMTP listener)', () => {
  let smtp: TestSmtp;
  let t: TestApp;
  let staff: string;
  let admin: string;
  let reminders: Queue;
  let email: Queue;
  const other = randomUUID();

  beforeAll(async () => {
    smtp = await startTestSmtp();
    t = await startTestApp('reminders', { SMTP_URL: smtp.url, PUBLIC_BASE_URL: BASE, MAIL_FROM: FROM }, 'all');
    staff = await t.token('alice', 'staff');
    admin = await t.token('root', 'admin');
    reminders = t.app.get<Queue>(getQueueToken(QUEUES.reminders));
    email = t.app.get<Queue>(getQueueToken(QUEUES.email));
    // ada and kim match Seoul culture events; the others must never hear of them.
    await Promise.all([
      subscribe({ email: 'ada@example.org', name: 'Ada', countries: ['KR'], leadTimes: ['PT5M', 'P1D'], locale: 'fr' }),
      subscribe({ email: 'kim@example.org', programmes: ['culture'], leadTimes: ['PT5M'] }),
      subscribe({ email: 'bob@example.org', countries: ['JP'], leadTimes: ['PT5M'] }),
      subscribe({ email: 'cy@example.org', programmes: ['education'], leadTimes: ['PT5M'] }),
      subscribe({ email: 'eve@example.org', eventIds: [other], leadTimes: ['PT5M'] }),
      subscribe({ email: 'dee@example.org', countries: ['KR'], leadTimes: ['PT5M'] }, false),
    ]);
    // Both read models know the subscriptions before any event is planned.
    await waitFor(
      'subscriptions confirmed',
      async () => {
        const [a] = await t.db.dataSource.query(`SELECT count(*)::int AS n FROM subscriptions_view WHERE status = 'confirmed'`);
        const [b] = await t.db.dataSource.query('SELECT count(*)::int AS n FROM reminder_subscriptions WHERE confirmed');
        if (a.n === 5 && b.n === 5) return true;
        const cps = await t.db.dataSource.query('SELECT name, state, last_error FROM projection_checkpoints');
        throw new Error(`confirmed: view ${a.n}, plan ${b.n}; ${JSON.stringify(cps)}; mails ${smtp.messages.length}`);
      },
      20000,
    );
  }, 60000);

  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  async function subscribe(body: Record<string, unknown>, confirm = true): Promise<void> {
    const r = await http(t.baseUrl, 'POST', '/v1/subscriptions', { body });
    expect(r.status).toBe(202);
    if (!confirm) return;
    const mail = await waitFor(`confirmation to ${String(body.email)}`, () => mailsTo(String(body.email))[0], 20000);
    const link = /https:\/\/\S+\/v1\/subscriptions\/confirm\?token=[\w.-]+/.exec(mail.parsed.text ?? '')![0];
    const u = new URL(link);
    expect((await http(t.baseUrl, 'POST', `${u.pathname}${u.search}`)).status).toBe(200);
  }

  const mailsTo = (address: string): ReceivedMail[] => smtp.messages.filter((m) => m.envelopeTo.includes(address));
  /** The settle window before counting: no email for 2 s, no email job left that could still send, no due job running. */
  const quiet = () =>
    settled(smtp, [
      { queue: email, states: ['waiting', 'active', 'delayed', 'prioritized'] },
      { queue: reminders, states: ['waiting', 'active', 'prioritized'] },
    ]);
  /** Reminders and notices (everything with an iCalendar part) to `address` about `eventId`. */
  const about = (address: string, eventId: string): ReceivedMail[] => mailsTo(address).filter((m) => icsOf(m)?.event.uid === `${eventId}@almanac`);
  const waitMail = (address: string, eventId: string, match: (m: ReceivedMail) => boolean, what: string) => waitFor(`${what} to ${address}`, () => about(address, eventId).find(match), 25000);

  function icsOf(m: ReceivedMail): Ics | null {
    const part = m.parsed.attachments.find((a) => a.contentType.startsWith('text/calendar'));
    if (!part) return null;
    const raw = part.content.toString('utf8');
    const parsed = ical.sync.parseICS(raw);
    const event = Object.values(parsed).find((c): c is VEvent => c?.type === 'VEVENT');
    const cal = parsed.vcalendar as unknown as { method?: string } | undefined;
    return event ? { method: cal?.method ?? '', event: event as Ics['event'], raw } : null;
  }
  const attendees = (i: Ics): string[] => [i.event.attendee ?? []].flat().map((a) => (typeof a === 'string' ? a : a.val).toLowerCase());

  const write = async (method: string, path: string, body: unknown) => {
    const r = await http<{ id: string; version: number; startsAt: string }>(t.baseUrl, method, path, { token: staff, body });
    expect(r.status).toBeLessThan(300);
    return r.body;
  };
  /** Wall clock in Seoul `seconds` after five minutes from now: a PT5M reminder is due in `seconds`. */
  const soon = (seconds: number) => DateTime.now().setZone(ZONE).plus({ minutes: 5, seconds }).toFormat("yyyy-LL-dd'T'HH:mm:ss");
  const later = (s: string, minutes: number) => DateTime.fromISO(s).plus({ minutes }).toFormat("yyyy-LL-dd'T'HH:mm:ss");
  const scheduleAt = (start: string, over: Record<string, unknown> = {}) =>
    write('POST', '/v1/events', {
      title: 'Forum on Heritage',
      description: 'Open to all.',
      programme: 'culture',
      location: { city: 'Seoul', country: 'KR', venue: 'COEX' },
      start: { dateTime: start },
      end: { dateTime: later(start, 60) },
      ...over,
    });
  const deliveries = async (eventId: string) =>
    (await t.db.dataSource.query('SELECT delivery_key, kind, status, reason FROM deliveries WHERE event_id = $1 ORDER BY delivery_key', [eventId])) as {
      delivery_key: string;
      kind: string;
      status: string;
      reason: string | null;
    }[];
  const subscriptionOf = async (address: string): Promise<string> => {
    const r = await http<{ items: { subscriptionId: string }[] }>(t.baseUrl, 'GET', `/v1/admin/deliveries?email=${encodeURIComponent(address)}`, { token: admin });
    return r.body.items[0].subscriptionId;
  };

  let onTime: { id: string; startsAt: string };

  it('sends a reminder on time from a real delayed job, to matching confirmed subscribers only', async () => {
    const start = soon(10);
    onTime = await scheduleAt(start);
    const job = await waitFor('delayed due job', () => reminders.getJob(dueJobId(onTime.id, 'PT5M', onTime.startsAt)));
    expect(await job.getState()).toBe('delayed');

    const mail = await waitMail('ada@example.org', onTime.id, (m) => m.parsed.subject?.startsWith('Reminder:') ?? false, 'reminder');
    await waitMail('kim@example.org', onTime.id, (m) => m.parsed.subject?.startsWith('Reminder:') ?? false, 'reminder');
    // Fired at its due time, not before (the job's delay was real).
    expect(Date.now()).toBeGreaterThanOrEqual(new Date(onTime.startsAt).getTime() - 5 * 60_000 - 1000);

    const m = mail.parsed;
    expect(m.subject).toContain('Forum on Heritage');
    // The venue's zone, in the subscriber's locale (fr: 24-hour clock).
    const local = DateTime.fromISO(onTime.startsAt).setZone(ZONE).toFormat('HH:mm');
    expect(m.text).toContain(local);
    expect(m.text).toContain(`(${ZONE})`);
    expect(m.text).toContain('Hello Ada');
    expect(m.html).toContain(local);
    expect(m.html).toContain('COEX, Seoul, KR');
    expect(header(m, 'List-Unsubscribe')).toMatch(/^<https:\/\/almanac\.test\/v1\/subscriptions\/unsubscribe\?token=/);

    const i = icsOf(mail)!;
    expect(i.method).toBe('REQUEST');
    expect(i.event.uid).toBe(`${onTime.id}@almanac`);
    expect(Number(i.event.sequence)).toBe(0);
    expect(i.event.status).toBe('CONFIRMED');
    expect(i.event.organizer?.val.toLowerCase()).toBe(`mailto:${FROM}`);
    expect(attendees(i)).toEqual(['mailto:ada@example.org']);
    expect(new Date(i.event.start).toISOString()).toBe(new Date(onTime.startsAt).toISOString());

    // Only the two matching, confirmed subscriptions got a delivery (fan-out at due time).
    const rows = await waitFor('both sent', async () => {
      const d = (await deliveries(onTime.id)).filter((r) => r.kind === 'reminder');
      return d.length === 2 && d.every((r) => r.status === 'sent') && d;
    });
    expect(rows.map((r) => r.delivery_key).sort()).toEqual(
      [await subscriptionOf('ada@example.org'), await subscriptionOf('kim@example.org')].map((s) => `${onTime.id}|${s}|reminder|${onTime.startsAt}|PT5M`).sort(),
    );
    // Exactly once each, counted after the settle window.
    await quiet();
    for (const address of ['ada@example.org', 'kim@example.org']) expect(about(address, onTime.id).map((m) => m.parsed.subject)).toEqual([expect.stringMatching(/^Reminder:/)]);
  });

  it('a reschedule moves the reminder (the old due job is removed, and would send nothing) and sends an "updated" notice at once', async () => {
    // Due a minute out, so that however slow the machine, the old job cannot fire before the move.
    const e = await scheduleAt(soon(60));
    // Let the first plan get its delayed job (a reschedule in the same projection batch would plan only the new one).
    const oldId = dueJobId(e.id, 'PT5M', e.startsAt);
    const first = await waitFor('first due job', () => reminders.getJob(oldId));
    const moved = await write('POST', `/v1/events/${e.id}/reschedule`, { start: { dateTime: soon(12) }, end: { dateTime: later(soon(12), 60) }, reason: 'room' });
    expect(moved.startsAt).not.toBe(e.startsAt);

    const notice = await waitMail('ada@example.org', e.id, (m) => m.parsed.subject?.startsWith('Updated:') ?? false, 'updated notice');
    const n = icsOf(notice)!;
    expect(n.method).toBe('REQUEST');
    expect(n.event.uid).toBe(`${e.id}@almanac`);
    expect(Number(n.event.sequence)).toBe(1);
    expect(new Date(n.event.start).toISOString()).toBe(new Date(moved.startsAt).toISOString());

    // The job for the old start is gone, the one for the new start waits.
    await waitFor('old due job removed', async () => (await reminders.getJob(oldId)) === undefined);
    await waitFor('new due job', () => reminders.getJob(dueJobId(e.id, 'PT5M', moved.startsAt)));
    // Had the removal been lost (Redis away at the time), the old job would find the plan moved.
    const stale = await reminders.add(JOBS.reminders.due, first.data, { jobId: oldId });
    const old = await waitFor(
      'stale due job done',
      async () => {
        const j = await reminders.getJob(stale.id!);
        return j && (await j.getState()) === 'completed' && j;
      },
      20000,
    );
    expect(String(old.returnvalue)).toBe(`rescheduled to ${moved.startsAt}`);

    const reminder = await waitMail('ada@example.org', e.id, (m) => m.parsed.subject?.startsWith('Reminder:') ?? false, 'moved reminder');
    const r = icsOf(reminder)!;
    expect(Number(r.event.sequence)).toBe(1);
    expect(new Date(r.event.start).toISOString()).toBe(new Date(moved.startsAt).toISOString());
    await quiet();
    expect(about('ada@example.org', e.id).filter((m) => m.parsed.subject?.startsWith('Reminder:'))).toHaveLength(1);
    const keys = (await deliveries(e.id)).filter((d) => d.kind === 'reminder').map((d) => d.delivery_key);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => k.includes(`|reminder|${moved.startsAt}|PT5M`))).toBe(true);
  });

  it('a cancel sends METHOD:CANCEL with STATUS:CANCELLED and a higher SEQUENCE, removes the due job, and no reminder is sent', async () => {
    const e = await scheduleAt(soon(60));
    const dueId = dueJobId(e.id, 'PT5M', e.startsAt);
    const planned = await waitFor('due job', () => reminders.getJob(dueId));
    await write('POST', `/v1/events/${e.id}/cancel`, { reason: 'postponed' });
    const mail = await waitMail('ada@example.org', e.id, (m) => m.parsed.subject?.startsWith('Cancelled:') ?? false, 'cancel notice');
    const c = icsOf(mail)!;
    expect(c.method).toBe('CANCEL');
    expect(c.event.status).toBe('CANCELLED');
    expect(Number(c.event.sequence)).toBe(1);
    expect(mail.parsed.text).toContain('postponed');

    await waitFor('due job removed', async () => (await reminders.getJob(dueId)) === undefined);
    // A due job that survived the cancel (Redis away when it was removed) fires and sends nothing.
    const stale = await reminders.add(JOBS.reminders.due, planned.data, { jobId: dueId });
    const job = await waitFor(
      'stale due job done',
      async () => {
        const j = await reminders.getJob(stale.id!);
        return j && (await j.getState()) === 'completed' && j;
      },
      20000,
    );
    expect(job.returnvalue).toBe('cancelled');
    await waitFor('both cancel notices recorded', async () => (await deliveries(e.id)).filter((d) => d.status === 'sent').length === 2);
    await quiet();
    expect((await deliveries(e.id)).map((d) => d.kind)).toEqual(['cancelled', 'cancelled']);
    expect(about('ada@example.org', e.id)).toHaveLength(1);
  });

  it('notices for an all-day event carry VALUE=DATE with the exclusive DTEND', async () => {
    const first = DateTime.now().setZone(ZONE).plus({ days: 3 });
    const e = await write('POST', '/v1/events', {
      title: 'Heritage Week',
      description: '',
      programme: 'culture',
      location: { city: 'Seoul', country: 'KR' },
      start: { date: first.toISODate() },
      end: { date: first.plus({ days: 3 }).toISODate() },
    });
    await write('PATCH', `/v1/events/${e.id}`, { title: 'Heritage Week 2' });
    const mail = await waitMail('kim@example.org', e.id, (m) => m.parsed.subject?.startsWith('Updated:') ?? false, 'updated notice');
    const i = icsOf(mail)!;
    expect(i.raw).toContain(`DTSTART;VALUE=DATE:${first.toFormat('yyyyLLdd')}`);
    expect(i.raw).toContain(`DTEND;VALUE=DATE:${first.plus({ days: 4 }).toFormat('yyyyLLdd')}`);
    expect(i.event.summary).toBe('Heritage Week 2');
    expect(Number(i.event.sequence)).toBe(1);
    // P1D of an all-day event: the day before at 09:00 in Seoul.
    const [row] = await t.db.dataSource.query(`SELECT due_at FROM reminder_plan WHERE event_id = $1 AND lead_time = 'P1D'`, [e.id]);
    expect(row.due_at.toISOString()).toBe(first.minus({ days: 1 }).set({ hour: 9, minute: 0, second: 0, millisecond: 0 }).toUTC().toISO());
  });

  it('a reminder claim left abandoned (sending, over a minute old) is taken over: one duplicate, with the same Message-ID', async () => {
    // The row a worker killed after the SMTP server accepted the reminder leaves behind (the real
    // crash is test/subscriptions/crash.e2e.spec.ts): the retry takes the abandoned claim over
    // and sends again — the one window, and it costs one duplicate.
    const ada = await subscriptionOf('ada@example.org');
    const key = `${onTime.id}|${ada}|reminder|${onTime.startsAt}|PT5M`;
    const before = about('ada@example.org', onTime.id).length;
    await t.db.dataSource.query(`UPDATE deliveries SET status = 'sending', updated_at = now() - interval '2 minutes' WHERE delivery_key = $1`, [key]);
    const [job] = await t.db.dataSource.query('SELECT kind, subscription_id, event_id FROM deliveries WHERE delivery_key = $1', [key]);
    const payload = { eventId: onTime.id, leadTime: 'PT5M', startAt: onTime.startsAt, dueAt: new Date(new Date(onTime.startsAt).getTime() - 5 * 60_000).toISOString() };
    const data = { deliveryKey: key, kind: job.kind, subscriptionId: job.subscription_id, eventId: job.event_id, payload };
    await email.add('send', data, { jobId: sendEmailJobId(key), attempts: 1 });
    await waitFor('duplicate', () => about('ada@example.org', onTime.id).length === before + 1);
    const all = about('ada@example.org', onTime.id);
    expect(all[all.length - 1].parsed.messageId).toBe(all[0].parsed.messageId);
    await waitFor('recorded sent', async () => (await deliveries(onTime.id)).find((d) => d.delivery_key === key)?.status === 'sent');

    // Once recorded, a retried or duplicated job sends nothing.
    const again = await email.add('send', data, { jobId: `${sendEmailJobId(key)}-again`, attempts: 1 });
    await waitFor('second job done', async () => (await email.getJob(again.id!))?.returnvalue === 'sent');
    expect(about('ada@example.org', onTime.id)).toHaveLength(before + 1);
  });

  it('a rebuild of the planning projection, and the safety net after it, send nothing new', async () => {
    await quiet();
    const count = smtp.messages.length;
    const plan = await t.db.dataSource.query('SELECT * FROM reminder_plan ORDER BY event_id, lead_time');
    const r = await http(t.baseUrl, 'POST', '/v1/admin/projections/reminder-plan/rebuild', { token: admin });
    expect(r.status).toBe(202);
    await waitFor(
      'rebuilt',
      async () => {
        const [c] = await t.db.dataSource.query(`SELECT generation FROM projection_checkpoints WHERE name = 'reminder-plan'`);
        return c?.generation === 2;
      },
      20000,
    );
    expect(await t.db.dataSource.query('SELECT * FROM reminder_plan ORDER BY event_id, lead_time')).toEqual(plan);
    await t.app.get(ReminderScheduler).sweep();
    await quiet();
    expect(smtp.messages.length).toBe(count);
  });

  it('every reminder and notice has a parseable iCalendar part; the non-matching and the unconfirmed got none', () => {
    for (const m of smtp.messages) {
      if (m.parsed.subject?.startsWith('Confirm')) continue;
      const i = icsOf(m);
      expect(i).not.toBeNull();
      expect(i!.event.uid).toMatch(/@almanac$/);
      expect(['REQUEST', 'CANCEL']).toContain(i!.method);
      expect(attendees(i!)).toEqual([`mailto:${m.envelopeTo[0]}`]);
      expect(m.parsed.text).toBeTruthy();
      expect(m.parsed.html).toBeTruthy();
    }
    for (const a of ['bob@example.org', 'cy@example.org', 'eve@example.org', 'dee@example.org']) {
      expect(mailsTo(a).map((m) => m.parsed.subject)).toEqual(['Confirm your almanac subscription']);
    }
  });
});
