import { SetMetadata } from '@nestjs/common';
import { PROJECTION_METADATA } from './projection';

/** Marks a provider as a projection; the registry discovers it at start. */
export const RegisterProjection = () => SetMetadata(PROJECTION_METADATA, true);
