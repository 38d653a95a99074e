import { ApiCreatedResponse, ApiOkResponse } from '@nestjs/swagger';
import { EventHistorySchema, EventSchema } from '../event-representation.schemas';
import { Body, Controller, Get, Headers, HttpCode, Param, Patch, Post, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import type { Response } from 'express';
import { etagOf, parseIfMatch } from '../../../common/http/etag';
import { ProblemException } from '../../../common/http/problem';
import { commandMetadata } from '../../../common/http/request-context';
import { eventView } from '../../../events/envelope';
import { AuthenticatedRequest, Roles } from '../../../common/http/access';
import { eventIdParam } from '../../../common/http/params';
import type { CalendarEventOutcome } from '../calendar-event.command';
import { CancelEventCommand } from '../cancel-event/cancel-event.command';
import { ChangeEventDetailsCommand } from '../change-event-details/change-event-details.command';
import { GetEventHistoryQuery } from '../get-event-history/get-event-history.query';
import { resolveTimeZone } from '../places/time-zone.resolver';
import { RescheduleEventCommand } from '../reschedule-event/reschedule-event.command';
import { ScheduleEventCommand } from '../schedule-event/schedule-event.command';
import { CancelEventDto, ChangeEventDetailsDto, RescheduleEventDto, ScheduleEventDto } from './dto';
import { EventRepresentation, represent } from '../event-representation';



@Controller('v1/events')
export class EventsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @Roles('staff')
  @ApiCreatedResponse({ type: EventSchema, description: 'scheduled; `Location`, `ETag: "1"`, `X-Log-Position`' })
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
        { metadata: commandMetadata(req), newStream: dto.id === undefined },
      ),
    );
    res.status(201).location(`/v1/events/${id}`);
    return this.reply(res, out);
  }

  @Patch(':id')
  @Roles('staff')
  @ApiOkResponse({ type: EventSchema, description: 'the new state (unchanged when nothing changed); `ETag`, `X-Log-Position`' })
  async change(@Param('id') id: string, @Body() dto: ChangeEventDetailsDto, @Headers('if-match') ifMatch: string | undefined, @Req() req: AuthenticatedRequest, @Res({ passthrough: true }) res: Response) {
    const out = await this.commands.execute(new ChangeEventDetailsCommand(eventIdParam(id), dto, { metadata: commandMetadata(req), ifMatch: parseIfMatch(ifMatch) }));
    return this.reply(res, out);
  }

  @Post(':id/reschedule')
  @HttpCode(200)
  @Roles('staff')
  @ApiOkResponse({ type: EventSchema, description: 'the new state; `ETag`, `X-Log-Position`' })
  async reschedule(@Param('id') id: string, @Body() dto: RescheduleEventDto, @Headers('if-match') ifMatch: string | undefined, @Req() req: AuthenticatedRequest, @Res({ passthrough: true }) res: Response) {
    const out = await this.commands.execute(
      new RescheduleEventCommand(eventIdParam(id), { start: dto.start, end: dto.end, timeZone: dto.timeZone, reason: dto.reason ?? null }, { metadata: commandMetadata(req), ifMatch: parseIfMatch(ifMatch) }),
    );
    return this.reply(res, out);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Roles('staff')
  @ApiOkResponse({ type: EventSchema, description: 'the cancelled event; `ETag`, `X-Log-Position`' })
  async cancel(@Param('id') id: string, @Body() dto: CancelEventDto, @Headers('if-match') ifMatch: string | undefined, @Req() req: AuthenticatedRequest, @Res({ passthrough: true }) res: Response) {
    const out = await this.commands.execute(new CancelEventCommand(eventIdParam(id), { reason: dto.reason }, { metadata: commandMetadata(req), ifMatch: parseIfMatch(ifMatch) }));
    return this.reply(res, out);
  }

  @Get(':id/history')
  @Roles('staff', 'auditor')
  @ApiOkResponse({ type: EventHistorySchema, description: 'the stream, oldest first' })
  async history(@Param('id') rawId: string) {
    const id = eventIdParam(rawId);
    const events = await this.queries.execute(new GetEventHistoryQuery(id));
    if (events.length === 0) throw new ProblemException(404, 'EVENT_NOT_FOUND', 'no such event');
    return { id, items: events.map(eventView) };
  }

  private reply(res: Response, out: CalendarEventOutcome): EventRepresentation {
    res.setHeader('ETag', etagOf(out.version));
    res.setHeader('X-Log-Position', out.position);
    return represent(out.id, out.state, out.version);
  }
}
