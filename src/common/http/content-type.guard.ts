import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import typeIs from 'type-is';
import { ProblemException } from './problem';

const CONSUMES = 'almanac:consumes';
/** Media types a write route accepts; application/json unless said otherwise. */
export const Consumes = (...types: string[]) => SetMetadata(CONSUMES, types);

/** 415 for a body in a media type the route does not read (rather than silently ignoring it). */
@Injectable()
export class ContentTypeGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    if (!['POST', 'PUT', 'PATCH'].includes(req.method)) return true;
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (!hasBody) return true;
    const types = this.reflector.getAllAndOverride<string[] | undefined>(CONSUMES, [context.getHandler(), context.getClass()]) ?? ['application/json'];
    if (typeIs(req.raw, types)) return true;
    throw new ProblemException(415, 'UNSUPPORTED_MEDIA_TYPE', `this route accepts ${types.join(' or ')}, not ${req.headers['content-type'] ?? 'an unlabelled body'}`);
  }
}
