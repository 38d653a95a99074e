import type { EventMetadata } from '../../events/envelope';
import type { CalendarEventState } from './domain/calendar-event';

/** Who asks and under which request; becomes the events' metadata. */
export interface CommandContext {
  metadata: EventMetadata;
  /** From If-Match. */
  ifMatch?: number;
  /** The server just drew the stream's id at random: nothing to read before appending. */
  newStream?: boolean;
}

/** What every CalendarEvent command returns. */
export interface CalendarEventOutcome {
  id: string;
  state: CalendarEventState;
  version: number;
  /** Position of the stream's last event (new or existing): the value of X-Log-Position. */
  position: string;
  /** False when the command changed nothing (no event appended). */
  changed: boolean;
}
