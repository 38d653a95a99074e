import { ApiOkResponse, ApiProduces } from '@nestjs/swagger';
import { EventPageSchema, EventSchema } from '../../scheduling/event-representation.schemas';
import { Controller, Get, Headers, Param, Query, Req, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { etagOf, matchesIfNoneMatch } from '../../../common/http/etag';
import { ProblemException } from '../../../common/http/problem';
import { AuthenticatedRequest, Public, hasRole } from '../../../common/http/access';
import { eventIdParam, eventOrInstanceParam } from '../../../common/http/params';
import { dayInRange } from '../../scheduling/domain/limits';
import { occurrenceOf, occurrencesBetween, resolveOriginalStart } from '../../scheduling/domain/calendar-event';
import { GetEventQuery } from '../../scheduling/get-event/get-event.query';
import { EventRepresentation, represent, representOccurrence } from '../../scheduling/event-representation';
import { GetCalendarEventQuery } from '../get-calendar-event/get-calendar-event.query';
import { GetCalendarFeedQuery } from '../get-calendar-feed/get-calendar-feed.query';
import { EventPage, ListEventsQuery } from '../list-events/list-events.query';
import { RateLimit } from '../../../ops/http/rate-limit.guard';
import { ReadModelWaiter } from '../../../projections/read-model.waiter';
import { PROJECTION_NAME } from '../read-model/calendar.read-model';
import { ViewVersion } from '../read-model/view-version';
import { badCursor, decodeCursor, decodeSyncToken } from '../read-model/page-tokens';
import { SyncEventsQuery } from '../sync-events/sync-events.query';
import { CalendarFiltersDto, ListEventsDto } from '../list-events/calendar-query.dto';
import { toFilters } from '../list-events/filters';

const DEFAULT_LIMIT = 100;

function parseInstant(name: string, value: string): Date {
  const d = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}(T.*(Z|[+-]\d{2}:?\d{2}))?$/.test(value) || Number.isNaN(d.getTime()) || !dayInRange(value)) {
    throw new ProblemException(400, 'VALIDATION_FAILED', `${name} must be an ISO-8601 instant with an offset`, [{ field: name, message: 'must be an ISO-8601 instant such as 2013-10-20T00:00:00Z' }]);
  }
  return d;
}

/**
 * Bodies of pages already sent: a page from the page cache is the same object on every hit, so
 * it is serialised, encoded to UTF-8 (a string would be encoded again on every send) and hashed
 * for its ETag once.
 */
const bodies = new WeakMap<EventPage, { bytes: Buffer; etag: string }>();

function json(res: FastifyReply, page: EventPage): Buffer {
  let body = bodies.get(page);
  if (!body) {
    const bytes = Buffer.from(JSON.stringify(page));
    body = { bytes, etag: `W/"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"` };
    bodies.set(page, body);
  }
  res.type('application/json; charset=utf-8');
  // Set here, the conditional-GET hook keeps it (and still answers a matching If-None-Match with 304).
  res.header('ETag', body.etag);
  return body.bytes;
}

/** Public reads of the calendar view: no token needed. */
/** Public reads draw from the shared `reads` rate limit. */
@Controller('v1')
@RateLimit('reads')
export class CalendarController {
  constructor(
    private readonly queries: QueryBus,
    private readonly waiter: ReadModelWaiter,
    private readonly version: ViewVersion,
  ) {}

  /**
   * Not current, and saying so, as a read of one event does: the listed events whose streams
   * the calendar view has parked (it could not apply one of their events) may be out of date.
   */
  private async warnParked(res: FastifyReply, page: EventPage): Promise<void> {
    const parked = await this.version.parked();
    if (parked.size === 0) return;
    const ids = [...new Set(page.items.map((i) => i.id.slice(0, 36)).filter((id) => parked.has(id)))];
    // At most ten ids: clients cap header sizes (Node at 16 KB), and a page can list 1,000 events.
    const named = ids.length > 10 ? `${ids.slice(0, 10).join(' ')} …` : ids.join(' ');
    if (ids.length) res.header('Warning', `199 - "parked: the calendar view could not apply an event of ${ids.length} listed event(s) (${named}); they may be out of date"`);
  }

  /**
   * A listing, or with `syncToken` an incremental sync. A sync ignores the filters (they are
   * still validated): applied to changes, a filter would hide the very change that moved an
   * event OUT of the client's view (a new country, a cancel under status=scheduled), and the
   * client would keep a stale copy forever. It returns every change; the client filters
   * locally, which it can, since every item carries the full representation.
   */
  @Get('events')
  @Public()
  @ApiOkResponse({ type: EventPageSchema, description: 'a page of the listing, or with `syncToken` what changed since (cancelled events included); 410 when the token cannot be honoured' })
  async list(@Query() dto: ListEventsDto, @Headers('x-min-log-position') minPosition: string | undefined, @Res({ passthrough: true }) res: FastifyReply): Promise<EventPage | Buffer> {
    const filters = { ...toFilters(dto), singleEvents: dto.singleEvents !== 'false' };
    const cursor = dto.cursor === undefined ? null : decodeCursor(dto.cursor);
    const token = dto.syncToken === undefined ? null : decodeSyncToken(dto.syncToken);
    const limit = dto.limit ?? DEFAULT_LIMIT;
    await this.waiter.waitForHeader(minPosition, PROJECTION_NAME);
    let page: EventPage;
    if (cursor?.k === 'l') {
      if (token) throw badCursor('belongs to a listing, not to a sync; drop syncToken or cursor');
      page = await this.queries.execute(new ListEventsQuery(filters, limit, cursor));
    } else {
      // A sync cursor is further along than the token it came from; the token, when sent again,
      // is still checked (410 if unreadable). With neither, this is the first page of a listing.
      const from = cursor ?? token;
      page = await this.queries.execute(from ? new SyncEventsQuery(from, limit) : new ListEventsQuery(filters, limit, null));
    }
    await this.warnParked(res, page);
    return json(res, page);
  }

  /**
   * The current state from the read model (with X-Min-Log-Position to read one's own write);
   * with `asOf` (auditors) the event is folded from its stream as recorded up to that instant.
   */
  @Get('events/:id')
  @ApiOkResponse({ type: EventSchema, description: 'the current state with `ETag` (with `asOf`, auditors: as recorded then)' })
  @Public()
  async get(
    @Param('id') rawId: string,
    @Query('asOf') asOf: string | undefined,
    @Headers('x-min-log-position') minPosition: string | undefined,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Req() req: AuthenticatedRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<EventRepresentation | undefined> {
    const { id, instanceToken } = eventOrInstanceParam(rawId);
    if (instanceToken) {
      // An instance is read from its series' stream: its ETag is the series'.
      const at = asOf === undefined ? undefined : this.auditorInstant(req, asOf);
      const { state, version } = await this.queries.execute(new GetEventQuery(id, at));
      const originalStart = resolveOriginalStart(state, { instanceToken });
      const occurrence = originalStart && occurrenceOf(state, originalStart);
      if (!occurrence) throw new ProblemException(404, 'EVENT_NOT_FOUND', 'no such instance');
      res.header('ETag', etagOf(version));
      return representOccurrence(id, state, occurrence, version);
    }
    if (asOf !== undefined) {
      if (!req.principal) throw new ProblemException(401, 'UNAUTHORIZED', 'asOf needs a bearer token with the auditor role', undefined, { 'WWW-Authenticate': 'Bearer' });
      if (!hasRole(req, 'auditor')) throw new ProblemException(403, 'FORBIDDEN', 'asOf needs the auditor role');
      const at = parseInstant('asOf', asOf);
      const { state, version } = await this.queries.execute(new GetEventQuery(id, at));
      if (state.status === 'absent') throw new ProblemException(404, 'EVENT_NOT_FOUND', 'the event did not exist at that instant');
      res.header('ETag', etagOf(version));
      return represent(id, state, version);
    }
    await this.waiter.waitForHeader(minPosition, PROJECTION_NAME);
    const { event, parkedAt } = await this.queries.execute(new GetCalendarEventQuery(id));
    // Not current, and saying so: the calendar view could not apply an event of this stream.
    const warning = parkedAt && { Warning: `199 - "parked: the calendar view stops before log position ${parkedAt.position} of this event (since ${parkedAt.since}); it may be out of date"` };
    if (!event) {
      if (warning) throw new ProblemException(404, 'EVENT_NOT_FOUND', `the calendar view cannot show this event yet: its stream is parked at log position ${parkedAt.position}`, undefined, warning);
      throw new ProblemException(404, 'EVENT_NOT_FOUND', 'no such event');
    }
    if (warning) res.header('Warning', warning.Warning);
    res.header('ETag', etagOf(event.version));
    if (matchesIfNoneMatch(ifNoneMatch, event.version)) {
      res.status(304);
      return undefined;
    }
    return event;
  }

  /** A series' instances in `from`..`to` (default: now and the 366 days after `from`); cancelled ones with `status=all`. */
  @Get('events/:id/instances')
  @Public()
  @ApiOkResponse({ type: EventPageSchema, description: 'the instances of a series in the window, in start order' })
  async instances(
    @Param('id') rawId: string,
    @Query('from') fromRaw: string | undefined,
    @Query('to') toRaw: string | undefined,
    @Query('status') status: string | undefined,
  ): Promise<{ items: EventRepresentation[]; nextCursor: null }> {
    const id = eventIdParam(rawId);
    if (status !== undefined && !['scheduled', 'cancelled', 'all'].includes(status)) {
      throw new ProblemException(400, 'VALIDATION_FAILED', 'status must be scheduled, cancelled or all', [{ field: 'status', message: 'must be scheduled, cancelled or all' }]);
    }
    const from = fromRaw === undefined ? new Date() : parseInstant('from', fromRaw);
    const to = toRaw === undefined ? new Date(from.getTime() + 366 * 86_400_000) : parseInstant('to', toRaw);
    if (to.getTime() - from.getTime() > 5 * 366 * 86_400_000) {
      throw new ProblemException(400, 'VALIDATION_FAILED', 'the window may span at most 5 years', [{ field: 'to', message: 'at most 5 years after from' }]);
    }
    const { state, version } = await this.queries.execute(new GetEventQuery(id));
    if (state.status === 'absent') throw new ProblemException(404, 'EVENT_NOT_FOUND', 'no such event');
    const found = occurrencesBetween(state, from.getTime(), to.getTime(), { includeCancelled: status !== undefined && status !== 'scheduled' });
    const items = found.filter((o) => status !== 'cancelled' || o.status === 'cancelled').map((o) => representOccurrence(id, state, o, version));
    return { items, nextCursor: null };
  }

  private auditorInstant(req: AuthenticatedRequest, asOf: string): Date {
    if (!req.principal) throw new ProblemException(401, 'UNAUTHORIZED', 'asOf needs a bearer token with the auditor role', undefined, { 'WWW-Authenticate': 'Bearer' });
    if (!hasRole(req, 'auditor')) throw new ProblemException(403, 'FORBIDDEN', 'asOf needs the auditor role');
    return parseInstant('asOf', asOf);
  }

  @Get('calendar.ics')
  @ApiProduces('text/calendar')
  @ApiOkResponse({
    description: 'iCalendar feed (RFC 5545) of the same filters as GET /v1/events',
    content: { 'text/calendar': { schema: { type: 'string', example: 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\n…\r\nEND:VCALENDAR\r\n' } } },
  })
  @Public()
  async feed(
    @Query() dto: CalendarFiltersDto,
    @Headers('x-min-log-position') minPosition: string | undefined,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<string | undefined> {
    const filters = toFilters(dto);
    await this.waiter.waitForHeader(minPosition, PROJECTION_NAME);
    const feed = await this.queries.execute(new GetCalendarFeedQuery(filters));
    // Byte-stable for an unchanged calendar, so clients that poll every hour mostly get a 304.
    const etag = `"${createHash('sha256').update(feed.ics).digest('base64url').slice(0, 27)}"`;
    res.header('ETag', etag);
    res.header('X-Total-Count', String(feed.count));
    // The feed carries no ids to match: it says how many events of the whole view are parked.
    const parked = (await this.version.parked()).size;
    if (parked) res.header('Warning', `199 - "parked: the calendar view could not apply an event of ${parked} event(s); the feed may be out of date"`);
    if (feed.truncated) res.header('X-Truncated', 'true');
    if (ifNoneMatch?.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) {
      res.status(304);
      return undefined;
    }
    res.type('text/calendar; charset=utf-8');
    res.header('Content-Disposition', 'inline; filename="almanac.ics"');
    return feed.ics;
  }
}
