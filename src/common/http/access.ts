import { SetMetadata } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Principal, Role } from '../auth/principal';

/**
 * Who may call a route, declared on the controller. Modules and the engine depend on these
 * declarations only; the guard that enforces them (tokens, identity providers) is wired in by the
 * application, so nothing below the modules imports the auth module.
 */
export const ROLES_KEY = 'almanac:roles';
export const PUBLIC_KEY = 'almanac:public';
export const OWN_BEARER_KEY = 'almanac:own-bearer';

/** Route needs a token carrying one of these roles. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);
/** Route is open; a valid token, when sent, is still read (e.g. for `asOf`). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
/** A public route that reads its own `Authorization: Bearer` (not a JWT, e.g. /metrics): the guard leaves it alone. */
export const OwnBearer = () => SetMetadata(OWN_BEARER_KEY, true);

export interface AuthenticatedRequest extends FastifyRequest {
  principal?: Principal;
}

/** For handlers that accept an optional principal. */
export function hasRole(req: AuthenticatedRequest, role: Role): boolean {
  return req.principal?.roles.includes(role) ?? false;
}
