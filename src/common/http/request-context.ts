import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventMetadata } from '../../events/envelope';
import type { AuthenticatedRequest } from './access';

const ID = /^[A-Za-z0-9._:-]{1,100}$/;

/** Request id: the caller's X-Request-Id when sane, else a fresh uuid. Used by the logger too. */
export function requestId(req: IncomingMessage, res?: ServerResponse): string {
  const r = req as IncomingMessage & { id?: string };
  if (!r.id) {
    const given = req.headers['x-request-id'];
    r.id = typeof given === 'string' && ID.test(given) ? given : randomUUID();
    res?.setHeader('X-Request-Id', r.id);
  }
  return r.id;
}

/** Metadata for events a request causes: actor, correlation and causation ids, idempotency key (contract). */
export function commandMetadata(req: AuthenticatedRequest): EventMetadata {
  const id = requestId(req.raw);
  const correlation = req.headers['x-correlation-id'];
  const key = req.headers['idempotency-key'];
  return {
    actor: req.principal?.sub ?? 'anonymous',
    correlationId: typeof correlation === 'string' && ID.test(correlation) ? correlation : id,
    causationId: id,
    ...(typeof key === 'string' ? { idempotencyKey: key } : {}),
  };
}
