import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import ical, { VEvent } from 'node-ical';
import { QUEUES } from '../../src/jobs/catalog';
import { dueJobId } from '../../src/modules/reminders/domain/notifications';
import { REMINDER_HORIZON_MS } from '../../src/modules/reminders/domain/occurrence-plan';
import { HorizonExtender } from '../../src/modules/reminders/planning/horizon.extender';
import { REMINDER_HORIZON_EXTENDED, REMINDER_HORIZON_STREAM } from '../../src/modules/reminders/domain/horizon-events';
import { EventStore } from '../../src/events/event-store.port';
import { ProjectionRebuilder } from '../../src/projections/projection.rebuilder';
import { TestApp, http, startTestApp } from '../support/app';
import { ReceivedMail, TestSmtp, settled, startTestSmtp } from '../support/smtp';
import { waitFor } from '../support/wait';

const ZONE = 'Asia/Seoul';
const DAY = 86_400_000;

/** What ical.js reads from an email's iCalendar part (a second parser beside node-ical). */
interface IcalJsView {
  method: string;
  recurrenceId: string | null;
  recurrenceIdZone: string | null;
  status: string | null;
  rrule: string | null;
}

function icalJs(raw: string): IcalJsView {
  const cal = new ICAL.Component(ICAL.parse(raw));
  const vevents = cal.getAllSubcomponents('vevent');
  expect(vevents).toHaveLength(1);
  const e = vevents[0];
  const rid = e.getFirstProperty('recurrence-id');
  const rrule = e.getFirstPropertyValue('rrule') as ICAL.Recur | null;
  return {
    method: String(cal.getFirstPropertyValue('method')),
    recurrenceId: rid ? (rid.getFirstValue() as ICAL.Time).toString() : null,
    recurrenceIdZone: rid ? (rid.getParameter('tzid') as string) : null,
    status: (e.getFirstPropertyValue('status') as string | null) ?? null,
    rrule: rrule ? rrule.toString() : null,
  };
}

/**
 * Reminders per instance of a series, end to end: real delayed BullMQ jobs, a real SMTP
 * listener. A daily Seoul series (no end) whose first instance starts five minutes and a few
 * seconds from now, and two more instances today by RDATE: one moved, one cancelled. A PT5M
 * reminder reaches the subscriber once for the first and the moved instance, none for the
 * cancelled one, whose 'cancelled' notice names that date alone (RECURRENCE-ID, METHOD:CANCEL).
 */
describe('reminders per instance of a recurring series (e2e, real SMTP listener)', () => {
  let smtp: TestSmtp;
  let t: TestApp;
  let staff: string;
  let reminders: Queue;
  let email: Queue;

  beforeAll(async () => {
    smtp = await startTestSmtp();
    t = await startTestApp('series_reminders', { SMTP_URL: smtp.url, PUBLIC_BASE_URL: 'https://almanac.test', MAIL_FROM: 'almanac@almanac.test' }, 'all');
    staff = await t.token('alice', 'staff');
    reminders = t.app.get<Queue>(getQueueToken(QUEUES.reminders));
    email = t.app.get<Queue>(getQueueToken(QUEUES.email));
    const r = await http(t.baseUrl, 'POST', '/v1/subscriptions', { body: { email: 'ada@example.org', name: 'Ada', countries: ['KR'], leadTimes: ['PT5M'] } });
    expect(r.status).toBe(202);
    const mail = await waitFor('confirmation email', () => smtp.messages.find((m) => m.envelopeTo.includes('ada@example.org')), 20000);
    const u = new URL(/https:\/\/\S+\/v1\/subscriptions\/confirm\?token=[\w.-]+/.exec(mail.parsed.text ?? '')![0]);
    expect((await http(t.baseUrl, 'POST', `${u.pathname}${u.search}`)).status).toBe(200);
    await waitFor(
      'lead time in use',
      async () => {
        if ((await t.db.dataSource.query(`SELECT 1 FROM reminder_lead_times WHERE lead_time = 'PT5M' AND subscribers = 1`)).length === 1) return true;
        throw new Error(JSON.stringify(await t.db.dataSource.query('SELECT name, state, last_error, parked FROM projection_checkpoints')));
      },
      20000,
    );
  }, 60000);

  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  /** Seoul wall clock five minutes and `seconds` from now: a PT5M reminder is due in `seconds`. */
  const soon = (seconds: number) => DateTime.now().setZone(ZONE).plus({ minutes: 5, seconds }).set({ millisecond: 0 });
  const wall = (d: DateTime) => d.toFormat("yyyy-LL-dd'T'HH:mm:ss");
  const ical5545 = (d: DateTime) => d.toFormat("yyyyLLdd'T'HHmmss");
  const token = (d: DateTime) => d.toUTC().toFormat("yyyyLLdd'T'HHmmss'Z'");
  const iso = (d: DateTime) => d.toUTC().toISO({ suppressMilliseconds: true })!;

  function icsOf(m: ReceivedMail): { raw: string; event: VEvent; method: string } | null {
    const part = m.parsed.attachments.find((a) => a.contentType.startsWith('text/calendar'));
    if (!part) return null;
    const raw = part.content.toString('utf8');
    const parsed = ical.sync.parseICS(raw);
    const event = Object.values(parsed).find((c): c is VEvent => c?.type === 'VEVENT');
    return event ? { raw, event, method: (parsed.vcalendar as unknown as { method?: string }).method ?? '' } : null;
  }

  it('reminds once for each instance (a moved one at its new time), none for the cancelled one, whose notice carries its RECURRENCE-ID and METHOD:CANCEL', async () => {
    // Far enough ahead that the due jobs exist and the move and the cancellation land before b's
    // and c's reminders fall due (a few seconds on a loaded machine); no further, as the test
    // waits for the last of them in real time.
    const [a, b, c] = [soon(10), soon(25), soon(28)];
    const movedTo = soon(34);
    const created = await http<{ id: string }>(t.baseUrl, 'POST', '/v1/events', {
      token: staff,
      body: {
        title: 'Daily stand-up',
        description: '',
        programme: 'culture',
        location: { city: 'Seoul', country: 'KR', venue: 'COEX' },
        timeZone: ZONE,
        start: { dateTime: wall(a) },
        end: { dateTime: wall(a.plus({ minutes: 15 })) },
        recurrence: ['RRULE:FREQ=DAILY', `RDATE;TZID=${ZONE}:${ical5545(b)},${ical5545(c)}`],
      },
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const uid = `${id}@almanac`;
    // Each instance got its own delayed job (keyed by its original start).
    for (const d of [a, b, c]) {
      await waitFor(
        `due job for ${wall(d)}`,
        async () => {
          if (await reminders.getJob(dueJobId(id, 'PT5M', iso(d), wall(d)))) return true;
          const rows = await t.db.dataSource.query(`SELECT occurrence, start_at, planned_position FROM reminder_plan WHERE event_id = $1 ORDER BY start_at LIMIT 4`, [id]);
          const ev = await t.db.dataSource.query(`SELECT status, horizon_until, version FROM reminder_events WHERE event_id = $1`, [id]);
          const cps = await t.db.dataSource.query('SELECT name, state, last_error, parked FROM projection_checkpoints');
          const parked = await t.db.dataSource.query('SELECT * FROM projection_parked').catch((e: Error) => e.message);
          throw new Error(`${JSON.stringify(rows)} ${JSON.stringify(ev)} ${JSON.stringify(cps)} ${JSON.stringify(parked)}`);
        },
        25000,
      );
    }

    const moved = await http(t.baseUrl, 'POST', `/v1/events/${id}_${token(b)}/reschedule`, {
      token: staff,
      body: { start: { dateTime: wall(movedTo) }, end: { dateTime: wall(movedTo.plus({ minutes: 15 })) }, reason: 'room' },
    });
    expect(moved.status).toBe(200);
    const cancelled = await http(t.baseUrl, 'POST', `/v1/events/${id}_${token(c)}/cancel`, { token: staff, body: { reason: 'holiday' } });
    expect(cancelled.status).toBe(200);

    const about = () => smtp.messages.filter((m) => m.envelopeTo.includes('ada@example.org') && icsOf(m)?.event.uid === uid);
    const subjects = (prefix: string) => about().filter((m) => m.parsed.subject?.startsWith(prefix));
    await waitFor('two reminders and the cancelled notice', () => subjects('Reminder:').length >= 2 && subjects('Cancelled:').length >= 1, 90000, 250);
    // Counted after the settle window, so a duplicate a moment late is counted too.
    await settled(smtp, [
      { queue: email, states: ['waiting', 'active', 'delayed', 'prioritized'] },
      { queue: reminders, states: ['waiting', 'active', 'prioritized'] },
    ]);

    const sent = subjects('Reminder:').map((m) => icsOf(m)!);
    expect(sent).toHaveLength(2);
    // node-ical: the instance it is about, at its (moved) start, named by its original start.
    const byRid = new Map(sent.map((i) => [new Date(i.event.recurrenceid as unknown as string).toISOString(), i]));
    expect([...byRid.keys()].sort()).toEqual([a, b].map((d) => d.toUTC().toISO()).sort());
    expect(new Date(byRid.get(a.toUTC().toISO()!)!.event.start).toISOString()).toBe(a.toUTC().toISO());
    expect(new Date(byRid.get(b.toUTC().toISO()!)!.event.start).toISOString()).toBe(movedTo.toUTC().toISO());
    for (const i of sent) {
      expect(i.method).toBe('REQUEST');
      expect(i.event.rrule).toBeUndefined();
      // ical.js reads the same: one VEVENT, RECURRENCE-ID in the series' zone, no RRULE.
      const j = icalJs(i.raw);
      expect(j).toMatchObject({ method: 'REQUEST', recurrenceIdZone: ZONE, status: 'CONFIRMED', rrule: null });
      expect([wall(a), wall(b)]).toContain(j.recurrenceId);
    }

    const notices = subjects('Cancelled:');
    expect(notices).toHaveLength(1);
    const n = icsOf(notices[0])!;
    expect(n.method).toBe('CANCEL');
    expect(n.event.status).toBe('CANCELLED');
    expect(new Date(n.event.recurrenceid as unknown as string).toISOString()).toBe(c.toUTC().toISO());
    expect(n.raw).toContain(`RECURRENCE-ID;TZID=${ZONE}:${ical5545(c)}`);
    expect(icalJs(n.raw)).toEqual({ method: 'CANCEL', recurrenceId: wall(c), recurrenceIdZone: ZONE, status: 'CANCELLED', rrule: null });
    // The move was announced for that instance alone.
    const updated = subjects('Updated:').map((m) => icalJs(icsOf(m)!.raw));
    expect(updated).toEqual([{ method: 'REQUEST', recurrenceId: wall(b), recurrenceIdZone: ZONE, status: 'CONFIRMED', rrule: null }]);
    // Nothing about the series as a whole, and no reminder for the cancelled instance.
    expect(about()).toHaveLength(4);
    const keys: { delivery_key: string }[] = await t.db.dataSource.query(`SELECT delivery_key FROM deliveries WHERE event_id = $1 AND kind = 'reminder'`, [id]);
    expect(keys.map((k) => k.delivery_key).filter((k) => k.endsWith(`|@${wall(c)}`))).toEqual([]);

    // A rolling horizon: a daily series without end has rows for the next P30D + margin only.
    const [h] = await t.db.dataSource.query(`SELECT horizon_until FROM reminder_events WHERE event_id = $1`, [id]);
    const plan = async () =>
      (await t.db.dataSource.query(`SELECT count(*)::int AS n, max(start_at) AS last FROM reminder_plan WHERE event_id = $1 AND status = 'planned'`, [id]))[0] as { n: number; last: Date };
    const before = await plan();
    expect(h.horizon_until.getTime()).toBeLessThanOrEqual(Date.now() + REMINDER_HORIZON_MS);
    expect(before.last.getTime()).toBeLessThanOrEqual(h.horizon_until.getTime());
    expect(before.n).toBeLessThanOrEqual(Math.ceil(REMINDER_HORIZON_MS / DAY) + 2);
    const delayed = (await reminders.getJobs(['delayed'])).filter((j) => j.data?.eventId === id);
    expect(delayed.length).toBeLessThanOrEqual(before.n);

    // The extension job moves it on: ten days later, ten more daily instances are planned. It
    // records the extension in the log, and the projection plans from it.
    const later = new Date(Date.now() + 10 * DAY);
    const extended = await t.app.get(HorizonExtender).extend(later);
    expect(extended.position).not.toBeNull();
    const after = await waitFor('the horizon moved on', async () => {
      const p = await plan();
      return p.n > before.n && p;
    });
    expect(after.n).toBe(before.n + 10);
    expect(after.last.getTime()).toBeLessThanOrEqual(later.getTime() + REMINDER_HORIZON_MS);
    const [moved2] = await t.db.dataSource.query(`SELECT horizon_until FROM reminder_events WHERE event_id = $1`, [id]);
    expect(moved2.horizon_until.getTime()).toBe(later.getTime() + REMINDER_HORIZON_MS);
    // Nothing else is due, so a second run records nothing.
    expect((await t.app.get(HorizonExtender).extend(later)).position).toBeNull();

    // A rebuild replays the extension too: the rebuilt plan equals the live one, horizons included.
    const report = await t.app.get(ProjectionRebuilder).rebuild('reminder-plan', { verify: true });
    expect(report.differences).toEqual([]);
    const [rebuilt] = await t.db.dataSource.query(`SELECT horizon_until FROM reminder_events WHERE event_id = $1`, [id]);
    expect(rebuilt.horizon_until.getTime()).toBe(later.getTime() + REMINDER_HORIZON_MS);
    expect((await plan()).n).toBe(after.n);

    // Another worker records an extension meanwhile: this process's remembered version is stale,
    // and the store's answer corrects it, so its next extension is still recorded, once.
    const store = t.app.get(EventStore);
    const horizon = async () => (await store.readStream(REMINDER_HORIZON_STREAM)).length;
    const versionBefore = await horizon();
    await store.append(REMINDER_HORIZON_STREAM, versionBefore, [{ type: REMINDER_HORIZON_EXTENDED, data: { asOf: later.toISOString() } }], {
      actor: 'system',
      correlationId: 'other-worker',
      causationId: 'other-worker',
    });
    const evenLater = new Date(later.getTime() + 10 * DAY);
    expect((await t.app.get(HorizonExtender).extend(evenLater)).position).not.toBeNull();
    expect(await horizon()).toBe(versionBefore + 2);
  }, 180000);
});
