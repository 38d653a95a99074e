import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { ROLES, type Role } from '../../../common/auth/principal';
import { pathOf, problemBody, sendProblem } from '../../../common/http/problem';
import { APP_CONFIG, AppConfig } from '../../../config/config';
import { TokenService } from '../../auth/tokens';
import { WEB_ROOT, consoleSettings, pageCsp, webBuilt } from './web-pages';

const ASSETS = join(WEB_ROOT, 'assets');

const problem = (req: FastifyRequest, res: FastifyReply, status: number, code: string, detail: string) => sendProblem(res, problemBody(status, code, detail, undefined, pathOf(req.url)));

/** An asset that can be served: a plain file name (no dot file, no path), present in the bundle. */
function isAsset(file: string): boolean {
  if (!/^[^./\\][^/\\]*$/.test(file)) return false;
  try {
    return statSync(join(ASSETS, file)).isFile();
  } catch {
    return false;
  }
}

/**
 * The web console: the built pages (dist/web) and the two small routes they need. Served by
 * Fastify beside Nest's router, like /docs and /admin/queues: pages, not API operations, so they
 * stay out of the OpenAPI document and the API's role matrix.
 *
 *   GET /, /events/:id               the public calendar and an event's page
 *   GET /console, /console/*         the desk (sign-in, staff, auditor, admin)
 *   GET /assets/:file                the bundle (content-hashed names, cached for a year)
 *   GET /console/settings.json       which sign-in the console offers
 *   POST /console/dev-sign-in        outside production: a token for a picked role
 *   GET /console/me                  who the bearer token names, with the roles the API reads from it
 */
export async function mountConsole(app: NestFastifyApplication): Promise<void> {
  const config = app.get<AppConfig>(APP_CONFIG);
  const tokens = app.get(TokenService);
  const csp = pageCsp(config);
  const settings = consoleSettings(config);
  const fastify = app.getHttpAdapter().getInstance();

  // A scope of its own: reply.sendFile is decorated here only (the dashboard has its own).
  await fastify.register(async (scope) => {
    await scope.register(fastifyStatic, { root: WEB_ROOT, serve: false });

    const page = (name: string) => (req: FastifyRequest, res: FastifyReply) => {
      if (!webBuilt()) return problem(req, res, 404, 'NOT_FOUND', 'the web console is not built: run `npm run build`');
      // Cache-Control is ours (no-cache), not the file server's.
      return res.header('Content-Security-Policy', csp).header('Cache-Control', 'no-cache').sendFile(name, WEB_ROOT, { cacheControl: false });
    };

    scope.get('/', page('index.html'));
    scope.get('/events/:id', page('index.html'));
    scope.get('/console/settings.json', (_req, res) => res.send(settings));
    scope.post('/console/dev-sign-in', async (req, res) => {
      if (!settings.devSignIn) return problem(req, res, 404, 'NOT_FOUND', 'no such route');
      const body = (req.body ?? {}) as { role?: unknown; sub?: unknown };
      const role = body.role as Role;
      const sub = body.sub === undefined ? `dev-${String(role)}` : body.sub;
      if (!ROLES.includes(role)) return problem(req, res, 400, 'VALIDATION_FAILED', `role must be one of ${ROLES.join(', ')}`);
      if (typeof sub !== 'string' || !/^[a-z0-9][a-z0-9._@-]{0,63}$/i.test(sub)) return problem(req, res, 400, 'VALIDATION_FAILED', 'sub must be 1 to 64 letters, digits, ".", "_", "@" or "-"');
      return res.send({ token: await tokens.sign(sub, [role], '8h'), sub, roles: [role] });
    });
    // The console shows what the API will allow: the roles come from the claim AUTH_ROLES_CLAIM
    // names, read by the same verifier as every API request, not from the browser's reading of the token.
    scope.get('/console/me', async (req, res) => {
      const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      if (!m) return problem(req, res.header('WWW-Authenticate', 'Bearer'), 401, 'UNAUTHORIZED', 'a bearer token is required');
      const v = await tokens.verify(m[1]);
      if ('error' in v) return problem(req, res.header('WWW-Authenticate', 'Bearer'), 401, 'UNAUTHORIZED', v.error);
      return res.header('Cache-Control', 'no-store').send({ sub: v.sub, roles: v.roles });
    });
    scope.get('/console', page('console.html'));
    scope.get('/console/*', page('console.html'));
    scope.get<{ Params: { file: string } }>('/assets/:file', (req, res) => {
      const file = req.params.file;
      if (!isAsset(file)) return problem(req, res, 404, 'NOT_FOUND', 'no such asset');
      return res.sendFile(file, ASSETS, { immutable: true, maxAge: '365d', dotfiles: 'deny' });
    });
  });
}
