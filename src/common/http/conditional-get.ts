import etag from 'etag';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fresh from 'fresh';

/**
 * ETags and 304s as Express gave them (with the same jshttp libraries): a body sent without an
 * ETag gets a weak one hashed from its bytes, and a GET or HEAD whose If-None-Match (or
 * If-Modified-Since) still holds for a 2xx answer is a 304 without a body. Routes that set
 * their own ETag (an event's version, a page's hash) keep it, and get the 304 for free.
 */
export function registerConditionalGets(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (req: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload?: unknown) => void) => {
    const out = conditionalGet(req, reply, payload);
    caseHeaders(reply);
    done(null, out);
  });
}

/** Header names as the code and the README write them: Fastify keeps every name it is given in lower case. */
const SPELLED: Record<string, string> = { etag: 'ETag', 'www-authenticate': 'WWW-Authenticate', 'ratelimit-remaining': 'RateLimit-Remaining' };
/** Spellings already worked out: every response has its headers respelled, from a small set of names. */
const spellings = new Map<string, string>(Object.entries(SPELLED));
const spelled = (name: string): string => {
  let s = spellings.get(name);
  if (s === undefined) {
    s = name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
    // Bounded: a route sets only the names the code writes, never one taken from a request.
    if (spellings.size < 256) spellings.set(name, s);
  }
  return s;
};

/** Hands the reply's headers to the response under their usual spelling (HTTP ignores case; people and scripts reading them do not). */
function caseHeaders(reply: FastifyReply): void {
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value === undefined) continue;
    void reply.removeHeader(name);
    reply.raw.setHeader(spelled(name), value);
  }
}

function conditionalGet(req: FastifyRequest, reply: FastifyReply, payload: unknown): unknown {
  const status = reply.statusCode;
  // A 204 or 304 has no body (a replayed 204 arrives here as the text "null"): no ETag, as before.
  if ((typeof payload !== 'string' && !Buffer.isBuffer(payload)) || status === 204 || status === 304) return payload;
  if (reply.getHeader('etag') === undefined) void reply.header('ETag', etag(payload, { weak: true }));
  const conditional = (req.method === 'GET' || req.method === 'HEAD') && status >= 200 && status < 300;
  if (!conditional || !fresh(req.headers, { etag: reply.getHeader('etag'), 'last-modified': reply.getHeader('last-modified') })) return payload;
  void reply.code(304).removeHeader('content-type').removeHeader('content-length').removeHeader('transfer-encoding');
  return '';
}
