import type { FastifyBodyParser, FastifyInstance, FastifyRequest } from 'fastify';
import { parse as parseForm } from 'qs';
import { flagInvalidUtf8 } from './request-hygiene';
import { ProblemException } from './problem';

/** The largest body any route reads (413 above it). */
export const BODY_LIMIT_BYTES = 1024 * 1024;
/** A form with more fields than this is refused (413), as body-parser did. */
const FORM_PARAMETER_LIMIT = 1000;

const malformedJson = () => new ProblemException(400, 'MALFORMED_JSON', 'the request body is not valid JSON');
const unsupportedCharset = (charset: string) => new ProblemException(415, 'UNSUPPORTED_MEDIA_TYPE', `unsupported charset "${charset.toUpperCase()}"`);

/** The `charset` parameter of the request's Content-Type, lower case, or undefined. */
function charsetOf(req: FastifyRequest): string | undefined {
  const m = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(req.headers['content-type'] ?? '');
  return m?.[1].toLowerCase();
}

/** Text in the body's charset (UTF-8 unless said); a charset no decoder knows is a 415. */
function decode(req: FastifyRequest, body: Buffer, allowed: (charset: string) => boolean): string {
  const charset = charsetOf(req) ?? 'utf-8';
  if (!allowed(charset)) throw unsupportedCharset(charset);
  try {
    return new TextDecoder(charset).decode(body);
  } catch {
    throw unsupportedCharset(charset);
  }
}

/**
 * The bodies the API reads, parsed as Express's body parsers did (each route then says which it
 * accepts: see ContentTypeGuard): JSON objects and arrays only (an empty body is `{}`), text/plain
 * as a string, forms as flat objects. Every body is checked for UTF-8 first (see requestHygiene).
 * Any other media type is left unread, so a route refuses it with a 415 problem of its own.
 */
export function registerBodyParsers(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  const opts = { parseAs: 'buffer' as const, bodyLimit: BODY_LIMIT_BYTES };
  const json: FastifyBodyParser<Buffer> = (req, body, done) => {
    flagInvalidUtf8(req.raw, body);
    try {
      const text = decode(req, body, (c) => c.startsWith('utf-'));
      if (text.length === 0) return done(null, {});
      // Strict, as body-parser's default: a body is an object or an array, never a bare value.
      const first = /^[ \t\n\r]*(.)/.exec(text)?.[1];
      if (first !== '{' && first !== '[') return done(malformedJson());
      done(null, JSON.parse(text));
    } catch (err) {
      done(err instanceof ProblemException ? err : malformedJson());
    }
  };
  fastify.addContentTypeParser('application/json', opts, json);
  fastify.addContentTypeParser(/^application\/[^;\s]+\+json\s*(;|$)/i, opts, json);
  fastify.addContentTypeParser('text/plain', opts, (req, body: Buffer, done) => {
    flagInvalidUtf8(req.raw, body);
    try {
      done(
        null,
        decode(req, body, () => true),
      );
    } catch (err) {
      done(err as Error);
    }
  });
  fastify.addContentTypeParser('application/x-www-form-urlencoded', opts, (req, body: Buffer, done) => {
    flagInvalidUtf8(req.raw, body);
    try {
      const text = decode(req, body, (c) => c === 'utf-8' || c === 'iso-8859-1');
      if (!text.length) return done(null, {});
      if (text.split('&').length > FORM_PARAMETER_LIMIT) return done(new ProblemException(413, 'PAYLOAD_TOO_LARGE', 'the request body is larger than the 1 MB limit'));
      done(null, parseForm(text, { allowPrototypes: true, depth: 0, parameterLimit: FORM_PARAMETER_LIMIT, arrayLimit: FORM_PARAMETER_LIMIT, strictDepth: true }));
    } catch (err) {
      // qs refuses nesting deeper than allowed (none, for a flat form) with a RangeError.
      done(err instanceof RangeError ? new ProblemException(400, 'BAD_REQUEST', 'The input exceeded the depth') : (err as Error));
    }
  });
  // Any other media type (or none): the body stays unread, as before; the route decides (415).
  fastify.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
}
