import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Role } from '../../../common/auth/principal';
import { AuthenticatedRequest, OWN_BEARER_KEY, PUBLIC_KEY, ROLES_KEY } from '../../../common/http/access';
import { ProblemException } from '../../../common/http/problem';
import { TokenService } from '../tokens';

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
    const ownBearer = this.reflector.getAllAndOverride<boolean>(OWN_BEARER_KEY, targets) ?? false;
    if (header && !(isPublic && ownBearer)) {
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
