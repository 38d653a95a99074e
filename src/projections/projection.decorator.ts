import { SetMetadata } from '@nestjs/common';
import { EVENT_BY_EVENT, PROJECTION_METADATA } from './projection';

/**
 * Marks a provider as a projection; the registry discovers it at start. `eventByEvent`: the
 * provider still applies one event at a time, and the registry adapts it to batches.
 */
export const RegisterProjection = (options: { eventByEvent?: boolean } = {}) => SetMetadata(PROJECTION_METADATA, options.eventByEvent ? EVENT_BY_EVENT : true);
