import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import type { Role } from '../../src/common/auth/principal';
import { TestApp, http, startTestApp } from '../support/app';

type Caller = 'anonymous' | Role;
/** Who may call a route: everyone, or a token with one of these roles. */
type Access = 'public' | readonly Role[];

const CALLERS: Caller[] = ['anonymous', 'staff', 'auditor', 'admin'];

/**
 * The expected access of EVERY route (the API contract and the operations pages), keyed
 * `METHOD path` with `:param`s, written down independently of the code. The matrix itself is
 * generated from the running app's OpenAPI document: a documented route missing here, or an
 * entry here the app does not serve, fails — nothing is skipped.
 */
const EXPECTED: Record<string, Access> = {
  'POST /v1/events': ['staff'],
  'POST /v1/events/preview': ['staff'],
  'PATCH /v1/events/:id': ['staff'],
  'POST /v1/events/:id/reschedule': ['staff'],
  'POST /v1/events/:id/cancel': ['staff'],
  'GET /v1/events': 'public',
  'GET /v1/events/:id': 'public',
  'GET /v1/events/:id/history': ['staff', 'auditor'],
  'GET /v1/events/:id/instances': 'public',
  'POST /v1/events/:id/split': ['staff'],
  'POST /v1/events/:id/recurrence': ['staff'],
  'GET /v1/calendar.ics': 'public',
  'POST /v1/imports': ['staff'],
  'POST /v1/imports/preview': ['staff'],
  'POST /v1/subscriptions': 'public',
  'GET /v1/subscriptions/confirm': 'public',
  'POST /v1/subscriptions/confirm': 'public',
  'GET /v1/subscriptions/unsubscribe': 'public',
  'POST /v1/subscriptions/unsubscribe': 'public',
  'DELETE /v1/admin/subscriptions/:id': ['admin'],
  'GET /v1/admin/deliveries': ['admin'],
  'POST /v1/admin/deliveries/:key/retry': ['admin'],
  'GET /v1/admin/projections': ['admin'],
  'POST /v1/admin/projections/:name/rebuild': ['admin'],
  'POST /v1/admin/projections/:name/retry': ['admin'],
  'POST /v1/admin/projections/:name/skip': ['admin'],
  'GET /v1/audit/log': ['auditor'],
  'GET /v1/audit/export': ['auditor'],
  'GET /v1/audit/verify': ['auditor'],
  'GET /v1/audit/checkpoint': 'public',
  'GET /v1/audit/verifier-key': 'public',
  'GET /v1/audit/proof/inclusion': ['auditor'],
  'GET /v1/audit/proof/consistency': ['auditor'],
  'POST /v1/audit/verify-checkpoint': ['auditor'],
  'GET /v1/audit/calendar': ['auditor'],
  'POST /v1/admin/webhooks': ['admin'],
  'GET /v1/admin/webhooks': ['admin'],
  'GET /v1/admin/webhooks/:id': ['admin'],
  'PATCH /v1/admin/webhooks/:id': ['admin'],
  'DELETE /v1/admin/webhooks/:id': ['admin'],
  'POST /v1/admin/webhooks/:id/rotate-secret': ['admin'],
  'GET /v1/admin/webhooks/:id/deliveries': ['admin'],
  'POST /v1/admin/webhooks/:id/replay': ['admin'],
  'GET /health/live': 'public',
  'GET /health/ready': 'public',
  'GET /metrics': 'public',
  'GET /dev/mailbox': 'public',
  'GET /dev/mailbox.json': 'public',
  'GET /admin/queues': ['admin'],
  'GET /docs': 'public',
};

/** Query variants of a route whose access differs from the route's own (keyed like EXPECTED). */
const VARIANTS: { route: string; query: string; access: Access }[] = [
  // The current state is public; the state as of an instant is for auditors.
  { route: 'GET /v1/events/:id', query: 'asOf=2024-01-01T00:00:00Z', access: ['auditor'] },
];

/** Pages Express serves outside Nest's router, so outside the OpenAPI document: the queue dashboard and the document's own UI. */
const UNDOCUMENTED = ['GET /admin/queues', 'GET /docs'];

/** Every `METHOD path` the Nest router serves, from the controllers' own metadata (the same the router is built from). */
function discoverRoutes(t: TestApp): string[] {
  const discovery = t.app.get(DiscoveryService, { strict: false });
  const scanner = new MetadataScanner();
  const out = new Set<string>();
  for (const wrapper of discovery.getControllers()) {
    const metatype = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
    if (!metatype?.prototype) continue;
    const bases = ([] as string[]).concat((Reflect.getMetadata(PATH_METADATA, metatype) as string | string[] | undefined) ?? '/');
    for (const name of scanner.getAllMethodNames(metatype.prototype)) {
      const handler = (metatype.prototype as Record<string, unknown>)[name] as object;
      const paths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (paths === undefined || method === undefined) continue;
      for (const base of bases) for (const p of ([] as string[]).concat(paths)) out.add(`${RequestMethod[method]} ${join(base, p)}`);
    }
  }
  return [...out].sort();
}

const join = (...parts: string[]): string =>
  `/${parts
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/')}`;

interface OpenApiOperation {
  'x-roles'?: string[];
}
type OpenApiDocument = { paths: Record<string, Record<string, OpenApiOperation>> };
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** `METHOD /path/:param` → the operation, for every operation of the document. */
function documented(doc: OpenApiDocument): Map<string, OpenApiOperation> {
  const out = new Map<string, OpenApiOperation>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (HTTP_METHODS.includes(method)) out.set(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`, op);
    }
  }
  return out;
}

/** A concrete URL for a route pattern: ids that exist nowhere, so no call changes anything. */
const concrete = (path: string): string =>
  path
    .replace(/:id\b/g, randomUUID())
    .replace(/:name\b/g, 'no-such-projection')
    .replace(/:(\w+)/g, 'x')
    .replace(/\*\w*/g, 'x');

type Outcome = 'allowed' | 401 | 403 | `server error ${number}` | 'not served';

const expectedOutcome = (access: Access, caller: Caller): Outcome => (access === 'public' ? 'allowed' : caller === 'anonymous' ? 401 : access.includes(caller) ? 'allowed' : 403);

describe('role matrix: every route of the OpenAPI document × {anonymous, staff, auditor, admin}', () => {
  let t: TestApp;
  const tokens: Partial<Record<Caller, string>> = {};
  let ops: Map<string, OpenApiOperation>;

  beforeAll(async () => {
    t = await startTestApp('rolematrix', {}, 'api');
    for (const r of ['staff', 'auditor', 'admin'] as const) tokens[r] = await t.token(`${r}-1`, r);
    const doc = await http<OpenApiDocument>(t.baseUrl, 'GET', '/docs-json');
    expect(doc.status).toBe(200);
    ops = documented(doc.body);
  });
  afterAll(() => t?.close());

  it('the document and the expectations list the same routes, and the router serves no other', () => {
    expect(ops.size).toBeGreaterThanOrEqual(20);
    const expected = Object.keys(EXPECTED)
      .filter((r) => !UNDOCUMENTED.includes(r))
      .sort();
    expect([...ops.keys()].sort()).toEqual(expected);
    // A route the router serves but the document hides would escape the matrix.
    expect(discoverRoutes(t).filter((r) => !ops.has(r))).toEqual([]);
  });

  it("the document's x-roles say what the expectations say", () => {
    const roles = (access: Access) => (access === 'public' ? ['public'] : [...access].sort());
    const got = [...ops].map(([route, op]) => `${route}: ${[...(op['x-roles'] ?? [])].sort().join(',')}`).sort();
    const want = [...ops.keys()].map((route) => `${route}: ${roles(EXPECTED[route]).join(',')}`).sort();
    expect(got).toEqual(want);
  });

  async function outcome(method: string, url: string, caller: Caller): Promise<Outcome> {
    const withBody = !['GET', 'HEAD', 'DELETE'].includes(method);
    const r = await http<{ code?: string }>(t.baseUrl, method, url, { token: tokens[caller], body: withBody ? {} : undefined });
    if (r.status >= 500) return `server error ${r.status}`;
    if (r.status === 401 || r.status === 403) return r.status;
    // The router's own 404 (unknown or unexposed route), as opposed to an unknown id behind the guard.
    if (r.status === 404 && (r.body?.code === 'NOT_FOUND' || r.body?.code === undefined)) return 'not served';
    return 'allowed';
  }

  it('answers 401 without a token, 403 without the role, lets the right roles through, and never a 5xx', async () => {
    const cases = [...Object.keys(EXPECTED).map((route) => ({ route, query: '', access: EXPECTED[route] })), ...VARIANTS];
    const got: string[] = [];
    const want: string[] = [];
    for (const c of cases) {
      const [method, path] = c.route.split(' ');
      const url = concrete(path) + (c.query ? `?${c.query}` : '');
      const outcomes = await Promise.all(CALLERS.map((caller) => outcome(method, url, caller)));
      CALLERS.forEach((caller, i) => {
        got.push(`${c.route}${c.query ? `?${c.query}` : ''} as ${caller}: ${outcomes[i]}`);
        want.push(`${c.route}${c.query ? `?${c.query}` : ''} as ${caller}: ${expectedOutcome(c.access, caller)}`);
      });
    }
    expect(got).toEqual(want);
  });
});
