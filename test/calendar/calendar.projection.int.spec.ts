import { randomUUID } from 'node:crypto';
import { CalendarProjection } from '../../src/modules/calendar/calendar.projection';
import { calendarEventStream } from '../../src/modules/scheduling/domain/events';
import { ProjectionSpec, SpecEvent } from '../harness/projection-spec';
import { TestDatabase, createTestDatabase } from '../support/database';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('calendar_projection');
});
afterAll(async () => {
  await db?.drop();
});

const spec = ProjectionSpec.for(new CalendarProjection(), () => db.dataSource);

const forum = {
  title: 'World Humanities Forum',
  description: 'Lectures.',
  programme: 'social-sciences',
  location: { city: 'Seoul', country: 'KR', venue: 'COEX' },
  timeZone: 'Asia/Seoul',
  start: { date: '2013-10-22' },
  end: { date: '2013-10-25' },
};
const scheduled = (id: string, data: object = forum, recordedAt?: string): SpecEvent => ({ streamId: calendarEventStream(id), type: 'EventScheduled', data, recordedAt });
const event = (id: string, type: string, data: object, recordedAt?: string): SpecEvent => ({ streamId: calendarEventStream(id), type, data, recordedAt });

const ROW = `SELECT id, status, title, description, programme, city, country, venue, time_zone, start_value, end_value, starts_at, ends_at,
                    cancel_reason, version, last_position::text AS last_position, updated_at FROM calendar_events`;

describe('calendar projection', () => {
  it('a scheduled event becomes one row with its details, wall-clock times and the derived instants', async () => {
    const id = randomUUID();
    await spec
      .given()
      .when(scheduled(id, forum, '2013-09-01T08:00:00Z'))
      .thenRows(ROW, [
        {
          id,
          status: 'scheduled',
          title: 'World Humanities Forum',
          description: 'Lectures.',
          programme: 'social-sciences',
          city: 'Seoul',
          country: 'KR',
          venue: 'COEX',
          time_zone: 'Asia/Seoul',
          start_value: { date: '2013-10-22' },
          end_value: { date: '2013-10-25' },
          // All-day, end inclusive: Seoul midnight of the 22nd to midnight after the 25th.
          starts_at: new Date('2013-10-21T15:00:00Z'),
          ends_at: new Date('2013-10-25T15:00:00Z'),
          cancel_reason: null,
          version: 1,
          last_position: '1',
          updated_at: new Date('2013-09-01T08:00:00Z'),
        },
      ]);
  });

  it('a reschedule and a details change update the same row in place, to the latest version', async () => {
    const id = randomUUID();
    await spec
      .given(scheduled(id))
      .when(
        event(id, 'EventRescheduled', { start: { dateTime: '2013-11-05T10:00' }, end: { dateTime: '2013-11-05T12:00' }, timeZone: 'Europe/Paris', reason: 'venue' }),
        event(id, 'EventDetailsChanged', { title: 'ICEGOV', location: { city: 'Paris', country: 'FR', venue: null } }),
      )
      .then(async ({ rows }) => {
        expect(await rows(`SELECT title, city, country, venue, time_zone, start_value, starts_at, ends_at, version, last_position::text AS p FROM calendar_events`)).toEqual([
          {
            title: 'ICEGOV',
            city: 'Paris',
            country: 'FR',
            venue: null,
            time_zone: 'Europe/Paris',
            start_value: { dateTime: '2013-11-05T10:00' },
            starts_at: new Date('2013-11-05T09:00:00Z'),
            ends_at: new Date('2013-11-05T11:00:00Z'),
            version: 3,
            p: '3',
          },
        ]);
      });
  });

  it('a cancelled event stays as a row with its reason: the tombstone incremental sync hands out', async () => {
    const id = randomUUID();
    await spec
      .given(scheduled(id))
      .when(event(id, 'EventCancelled', { reason: 'postponed' }))
      .thenRows('SELECT id, status, cancel_reason, title, version FROM calendar_events', [{ id, status: 'cancelled', cancel_reason: 'postponed', title: forum.title, version: 2 }]);
  });

  it('each stream is its own row; the row written last carries the highest change_seq', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    await spec
      .given(scheduled(a), scheduled(b, { ...forum, title: 'Second' }))
      .when(event(a, 'EventDetailsChanged', { description: 'Revised.' }))
      .then(async ({ rows }) => {
        const byChange = await rows<{ id: string; description: string }>('SELECT id, description FROM calendar_events ORDER BY change_seq');
        expect(byChange).toEqual([
          { id: b, description: 'Lectures.' },
          { id: a, description: 'Revised.' },
        ]);
      });
  });

  it('an event of the same type on a stream that is not a calendar event changes nothing', async () => {
    await spec
      .given()
      .when({ streamId: `import-${randomUUID()}`, type: 'EventScheduled', data: forum })
      .thenRows('SELECT id FROM calendar_events', []);
  });

  it('refuses a change to an event it never saw scheduled', async () => {
    await spec
      .given()
      .when(event(randomUUID(), 'EventCancelled', { reason: 'x' }))
      .thenThrows(/before EventScheduled/);
  });
});
