import { Injectable } from '@nestjs/common';
import { execute } from '../../events/aggregate';
import { EventStore } from '../../events/event-store.port';
import type { CalendarEventOutcome, CommandContext } from './calendar-event.command';
import { calendarEventDecider } from './domain/calendar-event';
import type { CalendarEventCommand } from './domain/commands';
import { calendarEventStream } from './domain/events';

/** Runs a command on a CalendarEvent stream (load, decide, append); shared by its command handlers. */
@Injectable()
export class CalendarEventRepository {
  constructor(private readonly store: EventStore) {}

  async execute(id: string, command: CalendarEventCommand, ctx: CommandContext): Promise<CalendarEventOutcome> {
    const r = await execute(this.store, calendarEventStream(id), calendarEventDecider, command, { ifMatch: ctx.ifMatch, metadata: ctx.metadata, newStream: ctx.newStream });
    return { id, state: r.state, version: r.version, position: r.position, changed: r.appended.length > 0 };
  }
}
