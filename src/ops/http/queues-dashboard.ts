import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { parse as parseCookie, serialize } from 'cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { problemBody, sendProblem } from '../../common/http/problem';
import { QUEUES } from '../../jobs/catalog';
import { TokenService } from '../../modules/auth/tokens';

const BASE = '/admin/queues';
const COOKIE = 'almanac_admin';

/**
 * bull-board at /admin/queues, for admins only. A browser logs in once: GET /admin/queues/login
 * with `Authorization: Bearer <admin token>` (or POST the token as a form field `token`) sets an
 * HttpOnly, SameSite=Strict cookie holding that token; scripts may send the bearer header directly.
 */
export async function mountQueuesDashboard(app: NestFastifyApplication): Promise<void> {
  const tokens = app.get(TokenService);
  const queues = Object.values(QUEUES).map((name) => app.get<Queue>(getQueueToken(name), { strict: false }));
  const board = new FastifyAdapter();
  board.setBasePath(BASE);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter: board });

  const deny = (res: FastifyReply, status: 401 | 403, detail: string) => sendProblem(res, problemBody(status, status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN', detail));
  const tokenOf = (req: FastifyRequest): string | undefined => {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (m) return m[1];
    if (typeof req.body === 'object' && req.body && typeof (req.body as { token?: unknown }).token === 'string') return (req.body as { token: string }).token;
    return parseCookie(req.headers.cookie ?? '')[COOKIE];
  };
  // Every route of the dashboard, its pages, assets and API alike (after the body is read: a login form carries the token).
  const adminOnly = async (req: FastifyRequest, res: FastifyReply) => {
    const token = tokenOf(req);
    if (!token) return deny(res, 401, 'admin token required: GET /admin/queues/login with Authorization: Bearer <token>');
    const who = await tokens.verify(token);
    if ('error' in who) return deny(res, 401, who.error);
    if (!who.roles.includes('admin')) return deny(res, 403, 'the queues dashboard is for admins');
  };
  const login = (req: FastifyRequest, res: FastifyReply) =>
    res.header('Set-Cookie', serialize(COOKIE, tokenOf(req) ?? '', { httpOnly: true, sameSite: 'strict', path: BASE, secure: req.protocol === 'https', maxAge: 12 * 3600 })).redirect(BASE, 303);

  const fastify = app.getHttpAdapter().getInstance();
  await fastify.register(
    async (scope) => {
      scope.addHook('preValidation', adminOnly);
      scope.get('/login', login);
      scope.post('/login', login);
      await scope.register(board.registerPlugin());
    },
    { prefix: BASE },
  );
}
