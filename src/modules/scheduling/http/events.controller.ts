import { ApiCreatedResponse, ApiOkResponse } from '@nestjs/swagger';
import { EventHistorySchema, EventPreviewSchema, EventSchema } from '../event-representation.schemas';
import { Body, Controller, Get, Headers, HttpCode, Param, Patch, Post, Req, Res } from '@nestjs/common';
import { Command, CommandBus, QueryBus } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { etagOf, parseIfMatch } from '../../../common/http/etag';
import { ProblemException } from '../../../common/http/problem';
import { commandMetadata } from '../../../common/http/request-context';
import { eventView } from '../../../events/envelope';
import { AuthenticatedRequest, Roles } from '../../../common/http/access';
import { eventIdParam, eventOrInstanceParam } from '../../../common/http/params';
import { ChangeOccurrenceCommand } from '../occurrences/change-occurrence.command';
import { SplitSeriesCommand } from '../occurrences/split-series.command';
import { occurrenceOf, resolveOriginalStart } from '../domain/calendar-event';
import type { CalendarEventOutcome, CommandContext } from '../calendar-event.command';
import type { OriginalStartRef } from '../domain/commands';
import { CancelEventCommand } from '../cancel-event/cancel-event.command';
import { ChangeEventDetailsCommand } from '../change-event-details/change-event-details.command';
import { ChangeRecurrenceCommand } from '../change-recurrence/change-recurrence.command';
import { GetEventHistoryQuery } from '../get-event-history/get-event-history.query';
import { RescheduleEventCommand } from '../reschedule-event/reschedule-event.command';
import { ScheduleEventCommand } from '../schedule-event/schedule-event.command';
import { PreviewEventQuery } from '../preview-event/preview-event.query';
import { CancelEventDto, ChangeEventDetailsDto, ChangeRecurrenceDto, RescheduleEventDto, ScheduleEventDto, SplitSeriesDto } from './dto';
import { EventRepresentation, represent, representOccurrence } from '../event-representation';

/** Instances a schedule preview lists: enough to see the pattern and a DST change. */
const PREVIEW_INSTANCES = 10;

function schedulePayload(dto: ScheduleEventDto): ScheduleEventCommand['payload'] {
  return {
    title: dto.title,
    description: dto.description ?? '',
    programme: dto.programme ?? null,
    location: { city: dto.location.city, country: dto.location.country, venue: dto.location.venue ?? null },
    timeZone: dto.timeZone,
    start: dto.start,
    end: dto.end,
    ...(dto.recurrence === undefined ? {} : { recurrence: dto.recurrence }),
  };
}

@Controller('v1/events')
export class EventsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @Roles('staff')
  @ApiCreatedResponse({ type: EventSchema, description: 'scheduled; `Location`, `ETag: "1"`, `X-Log-Position`' })
  async schedule(@Body() dto: ScheduleEventDto, @Req() req: AuthenticatedRequest, @Res({ passthrough: true }) res: FastifyReply): Promise<EventRepresentation> {
    const id = dto.id?.toLowerCase() ?? randomUUID();
    const out = await this.commands.execute(new ScheduleEventCommand(id, schedulePayload(dto), { metadata: commandMetadata(req), newStream: dto.id === undefined }));
    res.status(201).header('Location', `/v1/events/${id}`);
    return this.reply(res, out);
  }

  /**
   * What POST /v1/events would record, and a series' first instances as the calendar will list
   * them (the server's own expansion, so a console's preview cannot drift from it); appends nothing.
   */
  @Post('preview')
  @Roles('staff')
  @HttpCode(200)
  @ApiOkResponse({ type: EventPreviewSchema, description: 'the event as it would be scheduled (version 0) and its first 10 instances' })
  async preview(@Body() dto: ScheduleEventDto): Promise<{ event: EventRepresentation; instances: EventRepresentation[]; more: boolean }> {
    const id = dto.id?.toLowerCase() ?? randomUUID();
    const p = await this.queries.execute(new PreviewEventQuery(id, schedulePayload(dto), PREVIEW_INSTANCES));
    return { event: represent(id, p.state, 0), instances: p.instances.map((o) => representOccurrence(id, p.state, o, 0)), more: p.more };
  }

  @Patch(':id')
  @Roles('staff')
  @ApiOkResponse({ type: EventSchema, description: 'the new state (unchanged when nothing changed); `ETag`, `X-Log-Position`' })
  async change(
    @Param('id') rawId: string,
    @Body() dto: ChangeEventDetailsDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() req: AuthenticatedRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.changeEventOrInstance(
      rawId,
      ifMatch,
      req,
      res,
      (id, ctx) => new ChangeEventDetailsCommand(id, dto, ctx),
      (originalStart) => ({ kind: 'change-occurrence-details', originalStart, ...dto }),
    );
  }

  @Post(':id/reschedule')
  @HttpCode(200)
  @Roles('staff')
  @ApiOkResponse({ type: EventSchema, description: 'the new state; `ETag`, `X-Log-Position`' })
  async reschedule(
    @Param('id') rawId: string,
    @Body() dto: RescheduleEventDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() req: AuthenticatedRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    const body = { start: dto.start, end: dto.end, timeZone: dto.timeZone, reason: dto.reason ?? null };
    return this.changeEventOrInstance(
      rawId,
      ifMatch,
      req,
      res,
      (id, ctx) => new RescheduleEventCommand(id, body, ctx),
      (originalStart) => ({ kind: 'reschedule-occurrence', originalStart, ...body }),
    );
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Roles('staff')
  @ApiOkResponse({ type: EventSchema, description: 'the cancelled event; `ETag`, `X-Log-Position`' })
  async cancel(
    @Param('id') rawId: string,
    @Body() dto: CancelEventDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() req: AuthenticatedRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.changeEventOrInstance(
      rawId,
      ifMatch,
      req,
      res,
      (id, ctx) => new CancelEventCommand(id, { reason: dto.reason }, ctx),
      (originalStart) => ({ kind: 'cancel-occurrence', originalStart, reason: dto.reason }),
    );
  }

  /** The rule of a whole series (or a single event made a series): one `RecurrenceChanged`. */
  @Post(':id/recurrence')
  @HttpCode(200)
  @Roles('staff')
  @ApiOkResponse({ type: EventSchema, description: 'the series with its new rule; `ETag`, `X-Log-Position`' })
  async changeRecurrence(
    @Param('id') rawId: string,
    @Body() dto: ChangeRecurrenceDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() req: AuthenticatedRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    const { id, instanceToken } = eventOrInstanceParam(rawId);
    if (instanceToken) throw new ProblemException(404, 'EVENT_NOT_FOUND', "a rule belongs to the series: use the series' id, not an instance's");
    const ctx = { metadata: commandMetadata(req), ifMatch: parseIfMatch(ifMatch) };
    return this.reply(res, await this.commands.execute(new ChangeRecurrenceCommand(id, { recurrence: dto.recurrence, reason: dto.reason ?? null }, ctx)));
  }

  /** "This and following": the series ends before the instance; a new series starts at it. */
  @Post(':id/split')
  @Roles('staff')
  @ApiCreatedResponse({ type: EventSchema, description: 'the new series; `Location`, `ETag: "1"`, `X-Log-Position`' })
  async split(
    @Param('id') rawId: string,
    @Body() dto: SplitSeriesDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() req: AuthenticatedRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    const { id, instanceToken } = eventOrInstanceParam(rawId);
    if (!instanceToken) throw new ProblemException(404, 'EVENT_NOT_FOUND', 'split takes an instance id (<eventId>_<original start>)');
    const newId = dto.id?.toLowerCase() ?? randomUUID();
    const { id: _newId, ...changes } = dto;
    const out = await this.commands.execute(new SplitSeriesCommand(id, instanceToken, newId, { metadata: commandMetadata(req), ifMatch: parseIfMatch(ifMatch) }, changes));
    res.status(201).header('Location', `/v1/events/${newId}`);
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

  /** By event id, a change to the event (a whole series); by instance id, to that one occurrence of its series. */
  private async changeEventOrInstance(
    rawId: string,
    ifMatch: string | undefined,
    req: AuthenticatedRequest,
    res: FastifyReply,
    whole: (id: string, ctx: CommandContext) => Command<CalendarEventOutcome>,
    occurrence: (originalStart: OriginalStartRef) => ChangeOccurrenceCommand['command'],
  ): Promise<EventRepresentation> {
    const { id, instanceToken } = eventOrInstanceParam(rawId);
    const ctx = { metadata: commandMetadata(req), ifMatch: parseIfMatch(ifMatch) };
    if (instanceToken) {
      const out = await this.commands.execute(new ChangeOccurrenceCommand(id, occurrence({ instanceToken }), ctx));
      return this.replyOccurrence(res, out, instanceToken);
    }
    return this.reply(res, await this.commands.execute(whole(id, ctx)));
  }

  private replyOccurrence(res: FastifyReply, out: CalendarEventOutcome, instanceToken: string): EventRepresentation {
    res.header('ETag', etagOf(out.version));
    res.header('X-Log-Position', out.position);
    const originalStart = resolveOriginalStart(out.state, { instanceToken });
    const occurrence = originalStart && occurrenceOf(out.state, originalStart);
    if (!occurrence) throw new ProblemException(404, 'EVENT_NOT_FOUND', 'no such instance');
    return representOccurrence(out.id, out.state, occurrence, out.version);
  }

  private reply(res: FastifyReply, out: CalendarEventOutcome): EventRepresentation {
    res.header('ETag', etagOf(out.version));
    res.header('X-Log-Position', out.position);
    return represent(out.id, out.state, out.version);
  }
}
