import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { INestApplication } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { parse as parseCookie, serialize } from 'cookie';
import express, { NextFunction, Request, Response } from 'express';
import { PROBLEM_CONTENT_TYPE, problemBody } from '../../common/http/problem';
import { QUEUES } from '../../jobs/catalog';
import { TokenService } from '../../modules/auth/tokens';

const BASE = '/admin/queues';
const COOKIE = 'almanac_admin';

/**
 * bull-board at /admin/queues, for admins only. A browser logs in once: GET /admin/queues/login
 * with `Authorization: Bearer <admin token>` (or POST the token as a form field `token`) sets an
 * HttpOnly, SameSite=Strict cookie holding that token; scripts may send the bearer header directly.
 */
export function mountQueuesDashboard(app: INestApplication): void {
  const tokens = app.get(TokenService);
  const queues = Object.values(QUEUES).map((name) => app.get<Queue>(getQueueToken(name), { strict: false }));
  const board = new ExpressAdapter();
  board.setBasePath(BASE);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter: board });

  const deny = (res: Response, status: 401 | 403, detail: string) => {
    res
      .status(status)
      .type(PROBLEM_CONTENT_TYPE)
      .send(JSON.stringify(problemBody(status, status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN', detail)));
  };
  const tokenOf = (req: Request): string | undefined => {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (m) return m[1];
    if (typeof req.body === 'object' && req.body && typeof (req.body as { token?: unknown }).token === 'string') return (req.body as { token: string }).token;
    return parseCookie(req.headers.cookie ?? '')[COOKIE];
  };
  const adminOnly = async (req: Request, res: Response, next: NextFunction) => {
    const token = tokenOf(req);
    if (!token) return deny(res, 401, 'admin token required: GET /admin/queues/login with Authorization: Bearer <token>');
    const who = await tokens.verify(token);
    if ('error' in who) return deny(res, 401, who.error);
    if (!who.roles.includes('admin')) return deny(res, 403, 'the queues dashboard is for admins');
    if (req.path === '/login') {
      res.setHeader('Set-Cookie', serialize(COOKIE, token, { httpOnly: true, sameSite: 'strict', path: BASE, secure: req.secure, maxAge: 12 * 3600 }));
      return res.redirect(303, BASE);
    }
    next();
  };
  app.use(BASE, express.urlencoded({ extended: false, limit: '4kb' }), adminOnly, board.getRouter());
}
