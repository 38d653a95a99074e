import { EventStore1764374400000 } from './1764374400000-event-store';
import { Projections1764374500000 } from './1764374500000-projections';

/** Every migration, in order. Listed explicitly so the same list works from dist/ and in jest. */
export const MIGRATIONS = [EventStore1764374400000, Projections1764374500000];
