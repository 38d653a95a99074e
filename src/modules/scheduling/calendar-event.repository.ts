import { Injectable } from '@nestjs/common';
import { aggregate, execute } from '../../events/aggregate';
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

  /** What `execute` would decide on the stream as it stands, appending nothing (previews); the same DomainErrors. */
  async dryRun(id: string, command: CalendarEventCommand): Promise<Omit<CalendarEventOutcome, 'position'>> {
    const loaded = await aggregate(this.store, calendarEventStream(id), calendarEventDecider);
    const events = calendarEventDecider.decide(loaded.state, command);
    const state = events.reduce(calendarEventDecider.evolve, loaded.state);
    return { id, state, version: loaded.version + events.length, changed: events.length > 0 };
  }
}
