import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isUnstorable } from '../domain/text';
import { pathOf, problemBody, sendProblem } from './problem';

/** Deeper JSON than any route reads (the deepest body is three levels): refused before validation recurses into it. */
export const MAX_JSON_DEPTH = 32;

const INVALID_UTF8 = Symbol('invalidUtf8');
type Flagged = IncomingMessage & { [INVALID_UTF8]?: boolean };

/**
 * Called by the body parsers before decoding: remembers a body that is not UTF-8 (decoding
 * would silently replace its bytes with U+FFFD), so the hygiene check can refuse it.
 */
export function flagInvalidUtf8(req: IncomingMessage, buf: Buffer): void {
  if (!isUtf8(buf)) (req as Flagged)[INVALID_UTF8] = true;
}

/** Why a parsed body cannot be accepted (too deep, or holding text no store can keep), or null. Iterative: depth is what it guards. */
export function bodyProblem(body: unknown): string | null {
  if (typeof body === 'string') return isUnstorable(body) ? 'the body holds U+0000 or an unpaired surrogate' : null;
  const stack: { value: unknown; depth: number }[] = [{ value: body, depth: 0 }];
  while (stack.length) {
    const { value, depth } = stack.pop()!;
    if (typeof value === 'string') {
      if (isUnstorable(value)) return 'a string in the body holds U+0000 or an unpaired surrogate';
    } else if (value !== null && typeof value === 'object') {
      if (depth >= MAX_JSON_DEPTH) return `the body is nested deeper than ${MAX_JSON_DEPTH} levels`;
      for (const [k, v] of Object.entries(value)) {
        if (isUnstorable(k)) return 'a key in the body holds U+0000 or an unpaired surrogate';
        stack.push({ value: v, depth: depth + 1 });
      }
    }
  }
  return null;
}

/** Why a path cannot name anything (broken percent-encoding or UTF-8, control characters), or null: ids and keys reach SQL. */
export function pathProblem(rawUrl: string): string | null {
  const q = rawUrl.indexOf('?');
  let path: string;
  try {
    path = decodeURIComponent(q < 0 ? rawUrl : rawUrl.slice(0, q));
  } catch {
    return 'the path is not valid percent-encoded UTF-8';
  }
  return /\p{Cc}/u.test(path) ? 'the path holds a control character' : null;
}

/** Why a query string cannot be read (malformed percent-encoding or UTF-8, NUL, control characters), or null. */
export function queryProblem(rawUrl: string): string | null {
  const q = rawUrl.indexOf('?');
  if (q < 0) return null;
  for (const part of rawUrl.slice(q + 1).split('&')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(part.replace(/\+/g, ' '));
    } catch {
      return 'the query string is not valid percent-encoded UTF-8';
    }
    if (/\p{Cc}/u.test(decoded)) return 'a query parameter holds a control character';
  }
  return null;
}

/**
 * Refuses, before any route sees it, input no route can use: a body that is not UTF-8, JSON
 * nested absurdly deep, text with U+0000 or unpaired surrogates (PostgreSQL refuses both), a
 * path or query string with control characters or broken encoding. A 400 problem, never a 500 later.
 */
export function requestHygiene(req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void): void {
  const url = req.originalUrl ?? req.url;
  const problem = (req.raw as Flagged)[INVALID_UTF8] ? 'the body is not valid UTF-8' : (pathProblem(url) ?? queryProblem(url) ?? (req.body === undefined ? null : bodyProblem(req.body)));
  if (!problem) return done();
  void sendProblem(reply, problemBody(400, 'MALFORMED_REQUEST', problem, undefined, pathOf(url)));
}

/**
 * What the router answers for a path it cannot decode (it refuses it before any hook runs, and
 * outside the error handler): the same 400 problem as the hygiene check, with the security headers.
 */
export function routerRefusal(securityHeaders: (req: IncomingMessage, res: ServerResponse, next: () => void) => void) {
  return (err: FastifyError, req: FastifyRequest, reply: FastifyReply): void => {
    securityHeaders(req.raw, reply.raw, () => undefined);
    const status = err.statusCode ?? 400;
    const detail = err.code === 'FST_ERR_BAD_URL' ? 'the path is not valid percent-encoded UTF-8' : err.message;
    void sendProblem(reply, problemBody(status, 'MALFORMED_REQUEST', detail, undefined, pathOf(req.url)));
  };
}
