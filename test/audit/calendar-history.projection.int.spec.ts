import { randomUUID } from 'node:crypto';
import { CalendarHistoryProjection } from '../../src/modules/audit/history/calendar-history.projection';
import { calendarEventStream } from '../../src/modules/scheduling/domain/events';
import { ProjectionSpec, SpecEvent } from '../harness/projection-spec';
import { TestDatabase, createTestDatabase } from '../support/database';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('history_projection');
});
afterAll(async () => {
  await db?.drop();
});

const spec = ProjectionSpec.for(new CalendarHistoryProjection(), () => db.dataSource);

const forum = {
  title: 'World Humanities Forum',
  description: 'Lectures.',
  programme: null,
  location: { city: 'Seoul', country: 'KR', venue: null },
  timeZone: 'Asia/Seoul',
  start: { dateTime: '2013-10-22T10:00' },
  end: { dateTime: '2013-10-22T12:00' },
};
const on = (id: string, type: string, data: object, recordedAt: string, actor = 'alice'): SpecEvent => ({ streamId: calendarEventStream(id), type, data, recordedAt, actor });

const VERSIONS = `SELECT version, valid_from, valid_to, status, title, starts_at, cancel_reason, event_type, actor, position::text AS position
                    FROM calendar_history ORDER BY id, version`;

describe('calendar history projection', () => {
  it('every event adds a version valid from its recorded instant and closes the one before at that instant', async () => {
    const id = randomUUID();
    await spec
      .given(on(id, 'EventScheduled', forum, '2013-09-01T08:00:00Z'))
      .when(
        on(id, 'EventRescheduled', { start: { dateTime: '2013-10-23T10:00' }, end: { dateTime: '2013-10-23T12:00' }, timeZone: 'Asia/Seoul', reason: null }, '2013-09-02T08:00:00Z', 'bob'),
        on(id, 'EventCancelled', { reason: 'storm' }, '2013-09-03T08:00:00Z'),
      )
      .thenRows(VERSIONS, [
        {
          version: 1,
          valid_from: new Date('2013-09-01T08:00:00Z'),
          valid_to: new Date('2013-09-02T08:00:00Z'),
          status: 'scheduled',
          title: forum.title,
          starts_at: new Date('2013-10-22T01:00:00Z'),
          cancel_reason: null,
          event_type: 'EventScheduled',
          actor: 'alice',
          position: '1',
        },
        {
          version: 2,
          valid_from: new Date('2013-09-02T08:00:00Z'),
          valid_to: new Date('2013-09-03T08:00:00Z'),
          status: 'scheduled',
          title: forum.title,
          starts_at: new Date('2013-10-23T01:00:00Z'),
          cancel_reason: null,
          event_type: 'EventRescheduled',
          actor: 'bob',
          position: '2',
        },
        {
          version: 3,
          valid_from: new Date('2013-09-03T08:00:00Z'),
          valid_to: null,
          status: 'cancelled',
          title: forum.title,
          starts_at: new Date('2013-10-23T01:00:00Z'),
          cancel_reason: 'storm',
          event_type: 'EventCancelled',
          actor: 'alice',
          position: '3',
        },
      ]);
  });

  it('a version recorded by a writer whose clock was behind never ends before it began', async () => {
    const id = randomUUID();
    await spec
      .given()
      .when(on(id, 'EventScheduled', forum, '2013-09-01T08:00:00Z'), on(id, 'EventDetailsChanged', { title: 'Renamed' }, '2013-09-01T07:59:59Z'))
      .thenRows('SELECT version, valid_from, valid_to, title FROM calendar_history ORDER BY version', [
        { version: 1, valid_from: new Date('2013-09-01T08:00:00Z'), valid_to: new Date('2013-09-01T08:00:00Z'), title: forum.title },
        { version: 2, valid_from: new Date('2013-09-01T07:59:59Z'), valid_to: null, title: 'Renamed' },
      ]);
  });

  it('as of an instant, exactly one version of each event is valid', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    await spec
      .given(on(a, 'EventScheduled', forum, '2013-09-01T08:00:00Z'), on(b, 'EventScheduled', { ...forum, title: 'Other' }, '2013-09-01T09:00:00Z'))
      .when(on(a, 'EventDetailsChanged', { title: 'Renamed' }, '2013-09-05T08:00:00Z'))
      .then(async ({ rows }) => {
        const asOf = (t: string) => rows(`SELECT title FROM calendar_history WHERE valid_from <= $1 AND (valid_to IS NULL OR valid_to > $1) ORDER BY title`, [t]);
        expect(await asOf('2013-09-01T08:30:00Z')).toEqual([{ title: forum.title }]);
        expect(await asOf('2013-09-04T00:00:00Z')).toEqual([{ title: 'Other' }, { title: forum.title }]);
        expect(await asOf('2013-09-06T00:00:00Z')).toEqual([{ title: 'Other' }, { title: 'Renamed' }]);
      });
  });

  it('refuses a change to an event it never saw scheduled', async () => {
    await spec
      .given()
      .when(on(randomUUID(), 'EventRescheduled', { start: forum.start, end: forum.end, timeZone: 'UTC', reason: null }, '2013-09-01T08:00:00Z'))
      .thenThrows(/before EventScheduled/);
  });
});
