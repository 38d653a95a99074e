import { Body, Controller, Get, Headers, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import type { Response } from 'express';
import { etagOf, matchesIfNoneMatch, parseIfMatch } from '../../../common/http/etag';
import { ProblemException } from '../../../common/http/problem';
import { commandMetadata } from '../../../common/http/request-context';
import type { StoredEvent } from '../../../events/envelope';
import { AuthenticatedRequest, Public, Roles, hasRole } from '../../auth/auth.guard';
import type { CalendarEventOutcome } from '../calendar-event.command';
import { CancelEventCommand } from '../cancel-event/cancel-event.command';
import { ChangeEventDetailsCommand } from '../change-event-details/change-event-details.command';
import { GetEventHistoryQuery } from '../get-event-history/get-event-history.query';
import { GetEventQuery } from '../get-event/get-event.query';
import { resolveTimeZone } from '../places/time-zone.resolver';
import { RescheduleEventCommand } from '../reschedule-event/reschedule-event.command';
import { ScheduleEventCommand } from '../schedule-event/schedule-event.command';
import { CancelEventDto, ChangeEventDetailsDto, RescheduleEventDto, ScheduleEventDto } from './dto';
import { EventRepresentation, represent } from './representation';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function eventId(id: string): string {
  // A malformed id can never name an event: same answer as an unknown one.
  if (!UUID.test(id)) throw new ProblemException(404, 'EVENT_NOT_FOUND', 'no such event');
  return id.toLowerCase();
}

function parseInstant(name: string, value: string): Date {
  const d = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(d.getTime())) {
    throw new ProblemException(400, 'VALIDATION_FAILED', `${name} must be an ISO-8601 instant`, [{ field: name, message: 'must be an ISO-8601 instant such as 2013-10-20T00:00:00Z' }]);
  }
  return d;
}

@Controller('v1/events')
export class EventsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @Roles('staff')
  async schedule(@Body() dto: ScheduleEventDto, @Req() req: AuthenticatedRequest, @Res({ passthrough: true }) res: Response): Promise<EventRepresentation> {
    let timeZone = dto.timeZone;
    if (!timeZone) {
      const z = resolveTimeZone(dto.location.city, dto.location.country);
      if ('error' in z) throw new ProblemException(400, 'TIME_ZONE_REQUIRED', z.error, [{ field: 'timeZone', message: z.error }]);
      timeZone = z.timeZone;
    }
    const id = dto.id?.toLowerCase() ?? randomUUID();
    const out = await this.commands.execute(
      new ScheduleEventCommand(
        id,
        {
          title: dto.title,
          description: dto.description ?? '',
          programme: dto.programme ?? null,
          location: { city: dto.location.city, country: dto.location.country, venue: dto.location.venue ?? null },
          timeZone,
          start: dto.start,
          end: dto.end,
        },
        { metadata: commandMetadata(req) },
      ),
    );
    res.status(201).location(`/v1/events/${id}`);
    return this.reply(res, out);
  }

  @Patch(':id')
  @Roles('staff')
  async change(@Param('id') id: string, @Body() dto: ChangeEventDetailsDto, @Headers('if-match') ifMatch: string | undefined, @Req() req: AuthenticatedRequest, @Res({ passthrough: true }) res: Response) {
    const out = await this.commands.execute(new ChangeEventDetailsCommand(eventId(id), dto, { metadata: commandMetadata(req), ifMatch: parseIfMatch(ifMatch) }));
    return this.reply(res, out);
  }

  @Post(':id/reschedule')
  @HttpCode(200)
  @Roles('staff')
  async reschedule(@Param('id') id: string, @Body() dto: RescheduleEventDto, @Headers('if-match') ifMatch: string | undefined, @Req() req: AuthenticatedRequest, @Res({ passthrough: true }) res: Response) {
    const out = await this.commands.execute(
      new RescheduleEventCommand(eventId(id), { start: dto.start, end: dto.end, timeZone: dto.timeZone, reason: dto.reason ?? null }, { metadata: commandMetadata(req), ifMatch: parseIfMatch(ifMatch) }),
    );
    return this.reply(res, out);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Roles('staff')
  async cancel(@Param('id') id: string, @Body() dto: CancelEventDto, @Headers('if-match') ifMatch: string | undefined, @Req() req: AuthenticatedRequest, @Res({ passthrough: true }) res: Response) {
    const out = await this.commands.execute(new CancelEventCommand(eventId(id), { reason: dto.reason }, { metadata: commandMetadata(req), ifMatch: parseIfMatch(ifMatch) }));
    return this.reply(res, out);
  }

  @Get(':id')
  @Public()
  async get(@Param('id') rawId: string, @Query('asOf') asOf: string | undefined, @Headers('if-none-match') ifNoneMatch: string | undefined, @Req() req: AuthenticatedRequest, @Res({ passthrough: true }) res: Response) {
    const id = eventId(rawId);
    let at: Date | undefined;
    if (asOf !== undefined) {
      if (!req.principal) throw new ProblemException(401, 'UNAUTHORIZED', 'asOf needs a bearer token with the auditor role', undefined, { 'WWW-Authenticate': 'Bearer' });
      if (!hasRole(req, 'auditor')) throw new ProblemException(403, 'FORBIDDEN', 'asOf needs the auditor role');
      at = parseInstant('asOf', asOf);
    }
    const { state, version } = await this.queries.execute(new GetEventQuery(id, at));
    if (state.status === 'absent') throw new ProblemException(404, 'EVENT_NOT_FOUND', at ? 'the event did not exist at that instant' : 'no such event');
    res.setHeader('ETag', etagOf(version));
    if (!at && matchesIfNoneMatch(ifNoneMatch, version)) {
      res.status(304);
      return undefined;
    }
    return represent(id, state, version);
  }

  @Get(':id/history')
  @Roles('staff', 'auditor')
  async history(@Param('id') rawId: string) {
    const id = eventId(rawId);
    const events = await this.queries.execute(new GetEventHistoryQuery(id));
    if (events.length === 0) throw new ProblemException(404, 'EVENT_NOT_FOUND', 'no such event');
    return { id, items: events.map(historyItem) };
  }

  private reply(res: Response, out: CalendarEventOutcome): EventRepresentation {
    res.setHeader('ETag', etagOf(out.version));
    res.setHeader('X-Log-Position', out.position);
    return represent(out.id, out.state, out.version);
  }
}

export function historyItem(e: StoredEvent) {
  return {
    position: e.position,
    version: e.version,
    type: e.type,
    schemaVersion: e.schemaVersion,
    data: e.data,
    metadata: e.metadata,
    recordedAt: e.recordedAt.toISOString(),
    prevHash: e.prevHash,
    hash: e.hash,
  };
}
