import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ProblemException } from '../../common/http/problem';
import { Principal, Role } from './principal';
import { TokenService } from './tokens';

const ROLES_KEY = 'almanac:roles';
const PUBLIC_KEY = 'almanac:public';

/** Route needs a token carrying one of these roles. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);
/** Route is open; a valid token, when sent, is still read (e.g. for `asOf`). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

export interface AuthenticatedRequest extends Request {
  principal?: Principal;
}

/**
 * Global guard, deny by default: a route is reachable only when it says @Public or @Roles.
 * 401 without a valid token, 403 without the role.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const targets = [context.getHandler(), context.getClass()];
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets) ?? false;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);

    const header = req.headers.authorization;
    if (header) {
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      const verdict = m ? await this.tokens.verify(m[1]) : { error: 'the Authorization header must be "Bearer <token>"' };
      if ('error' in verdict) throw unauthorized(verdict.error);
      req.principal = verdict;
    }
    if (isPublic) return true;
    if (!roles) throw new ProblemException(404, 'NOT_FOUND', 'no such route'); // a route that declared nothing is not exposed
    if (!req.principal) throw unauthorized('a bearer token is required');
    if (!roles.some((r) => req.principal!.roles.includes(r))) {
      throw new ProblemException(403, 'FORBIDDEN', `this needs one of the roles: ${roles.join(', ')}`);
    }
    return true;
  }
}

function unauthorized(detail: string): ProblemException {
  return new ProblemException(401, 'UNAUTHORIZED', detail, undefined, { 'WWW-Authenticate': 'Bearer' });
}

/** For handlers that accept an optional principal. */
export function hasRole(req: AuthenticatedRequest, role: Role): boolean {
  return req.principal?.roles.includes(role) ?? false;
}
