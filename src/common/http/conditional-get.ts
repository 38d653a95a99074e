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
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return done(null, payload);
    if (reply.getHeader('etag') === undefined) void reply.header('ETag', etag(payload, { weak: true }));
    const status = reply.statusCode;
    const conditional = (req.method === 'GET' || req.method === 'HEAD') && ((status >= 200 && status < 300) || status === 304);
    if (!conditional || !fresh(req.headers, { etag: reply.getHeader('etag'), 'last-modified': reply.getHeader('last-modified') })) return done(null, payload);
    void reply.code(304).removeHeader('content-type').removeHeader('content-length').removeHeader('transfer-encoding');
    done(null, '');
  });
}
