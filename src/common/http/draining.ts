import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { pathOf, problemBody, sendProblem } from './problem';

/**
 * While draining, a request on a kept-alive connection gets a clean 503 and `Connection: close`:
 * otherwise busy keep-alive sockets never go idle, the HTTP server never finishes closing, and
 * writes keep arriving while the workers wait for their jobs to end.
 */
export function refuseWhileDraining(draining: () => boolean): onRequestHookHandler {
  return (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (!draining()) return done();
    void sendProblem(
      reply.header('Connection', 'close').header('Retry-After', '5'),
      problemBody(503, 'SHUTTING_DOWN', 'this instance is shutting down; retry (another instance will answer)', undefined, pathOf(req.url)),
    );
  };
}
