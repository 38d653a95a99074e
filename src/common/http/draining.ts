import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { PROBLEM_CONTENT_TYPE, problemBody } from './problem';

/**
 * While draining, a request on a kept-alive connection gets a clean 503 and `Connection: close`:
 * otherwise busy keep-alive sockets never go idle, the HTTP server never finishes closing, and
 * writes keep arriving while the workers wait for their jobs to end.
 */
export function refuseWhileDraining(draining: () => boolean): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!draining()) return next();
    res.setHeader('Connection', 'close');
    res.setHeader('Retry-After', '5');
    res
      .status(503)
      .type(PROBLEM_CONTENT_TYPE)
      .send(JSON.stringify(problemBody(503, 'SHUTTING_DOWN', 'this instance is shutting down; retry (another instance will answer)', undefined, req.path)));
  };
}
