import type { INestApplication } from '@nestjs/common';
import express, { Request, Response } from 'express';
import { join } from 'node:path';
import { ROLES, type Role } from '../../../common/auth/principal';
import { PROBLEM_CONTENT_TYPE, problemBody } from '../../../common/http/problem';
import { APP_CONFIG, AppConfig } from '../../../config/config';
import { TokenService } from '../../auth/tokens';
import { WEB_ROOT, consoleSettings, pageCsp, webBuilt } from './web-pages';

const problem = (res: Response, status: number, code: string, detail: string, path: string) =>
  res
    .status(status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(problemBody(status, code, detail, undefined, path)));

/**
 * The web console: the built pages (dist/web) and the two small routes they need. Served by
 * Express beside Nest's router, like /docs and /admin/queues: pages, not API operations, so they
 * stay out of the OpenAPI document and the API's role matrix.
 *
 *   GET /, /events/:id               the public calendar and an event's page
 *   GET /console, /console/*         the desk (sign-in, staff, auditor, admin)
 *   GET /assets/:file                the bundle (content-hashed names, cached for a year)
 *   GET /console/settings.json       which sign-in the console offers
 *   POST /console/dev-sign-in        outside production: a token for a picked role
 *   GET /console/me                  who the bearer token names, with the roles the API reads from it
 */
export function mountConsole(app: INestApplication): void {
  const config = app.get<AppConfig>(APP_CONFIG);
  const tokens = app.get(TokenService);
  const csp = pageCsp(config);
  const settings = consoleSettings(config);
  const router = express.Router();

  const page = (name: string) => (req: Request, res: Response) => {
    if (!webBuilt()) return problem(res, 404, 'NOT_FOUND', 'the web console is not built: run `npm run build`', req.path);
    res.setHeader('Content-Security-Policy', csp);
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(name, { root: WEB_ROOT });
  };

  router.get('/', page('index.html'));
  router.get('/events/:id', page('index.html'));
  router.get('/console/settings.json', (_req, res) => {
    res.json(settings);
  });
  router.post('/console/dev-sign-in', (req, res, next) => {
    if (!settings.devSignIn) return problem(res, 404, 'NOT_FOUND', 'no such route', req.path);
    const body = (req.body ?? {}) as { role?: unknown; sub?: unknown };
    const role = body.role as Role;
    const sub = body.sub === undefined ? `dev-${String(role)}` : body.sub;
    if (!ROLES.includes(role)) return problem(res, 400, 'VALIDATION_FAILED', `role must be one of ${ROLES.join(', ')}`, req.path);
    if (typeof sub !== 'string' || !/^[a-z0-9][a-z0-9._@-]{0,63}$/i.test(sub)) return problem(res, 400, 'VALIDATION_FAILED', 'sub must be 1 to 64 letters, digits, ".", "_", "@" or "-"', req.path);
    tokens.sign(sub, [role], '8h').then((token) => res.json({ token, sub, roles: [role] }), next);
  });
  // The console shows what the API will allow: the roles come from the claim AUTH_ROLES_CLAIM
  // names, read by the same verifier as every API request, not from the browser's reading of the token.
  router.get('/console/me', (req, res, next) => {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m) return problem(res.setHeader('WWW-Authenticate', 'Bearer'), 401, 'UNAUTHORIZED', 'a bearer token is required', req.path);
    tokens.verify(m[1]).then((v) => {
      if ('error' in v) return problem(res.setHeader('WWW-Authenticate', 'Bearer'), 401, 'UNAUTHORIZED', v.error, req.path);
      res.setHeader('Cache-Control', 'no-store');
      res.json({ sub: v.sub, roles: v.roles });
    }, next);
  });
  router.get('/console', page('console.html'));
  router.get('/console/*rest', page('console.html'));
  router.get('/assets/:file', (req, res) => {
    const file = String(req.params.file);
    res.sendFile(file, { root: join(WEB_ROOT, 'assets'), immutable: true, maxAge: '365d', dotfiles: 'deny' }, (err) => {
      if (err && !res.headersSent) problem(res, 404, 'NOT_FOUND', 'no such asset', req.path);
    });
  });
  app.use(router);
}
