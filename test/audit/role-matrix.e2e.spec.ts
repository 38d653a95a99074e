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
 * The expected access of EVERY route of the API (the contract's roles, and ops), keyed `METHOD path` as
 * the router declares it. Routes are discovered from the running app's router: a new route
 * that is missing here fails this test until someone decides, explicitly, who may call it.
 * Planned routes not built yet are listed too; they are skipped until they exist.
 */
const EXPECTED: Record<string, Access> = {
  'POST /v1/events': ['staff'],
  'PATCH /v1/events/:id': ['staff'],
  'POST /v1/events/:id/reschedule': ['staff'],
  'POST /v1/events/:id/cancel': ['staff'],
  'GET /v1/events': 'public',
  'GET /v1/events/:id': 'public',
  'GET /v1/events/:id/history': ['staff', 'auditor'],
  'GET /v1/calendar.ics': 'public',
  'POST /v1/imports': ['staff'],
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
  'GET /v1/audit/log': ['auditor'],
  'GET /v1/audit/export': ['auditor'],
  'GET /v1/audit/verify': ['auditor'],
  'GET /v1/audit/calendar': ['auditor'],
  'GET /health/live': 'public',
  'GET /health/ready': 'public',
  'GET /metrics': 'public',
  'GET /dev/mailbox': 'public',
  'GET /dev/mailbox.json': 'public',
};

/** Query variants of a route whose access differs from the route's own (keyed like EXPECTED). */
const VARIANTS: { route: string; query: string; access: Access }[] = [
  // The current state is public; the state as of an instant is for auditors.
  { route: 'GET /v1/events/:id', query: 'asOf=2024-01-01T00:00:00Z', access: ['auditor'] },
];

/** Pages mounted on Express outside Nest's router (dashboards, docs): checked when present. */
const MOUNTED: { route: string; access: Access }[] = [
  { route: 'GET /admin/queues', access: ['admin'] },
  { route: 'GET /docs', access: 'public' },
];

/**
 * Every `METHOD path` the Nest router serves, from the controllers' own metadata (the same
 * the router is built from), so a route added anywhere later is covered automatically.
 */
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

const join = (...parts: string[]): string => `/${parts.map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/')}`;

/** A concrete URL for a route pattern: ids that exist nowhere, so no call changes anything. */
const concrete = (path: string): string =>
  path.replace(/:id\b/g, randomUUID()).replace(/:name\b/g, 'no-such-projection').replace(/:(\w+)/g, 'x').replace(/\*\w*/g, 'x');

const expectedStatus = (access: Access, caller: Caller): 'allowed' | 401 | 403 =>
  access === 'public' ? 'allowed' : caller === 'anonymous' ? 401 : access.includes(caller) ? 'allowed' : 403;

describe('role matrix: every route × {anonymous, staff, auditor, admin}', () => {
  let t: TestApp;
  const tokens: Partial<Record<Caller, string>> = {};
  let routes: string[];

  beforeAll(async () => {
    t = await startTestApp('rolematrix', {}, 'api');
    for (const r of ['staff', 'auditor', 'admin'] as const) tokens[r] = await t.token(`${r}-1`, r);
    routes = discoverRoutes(t);
  });
  afterAll(() => t?.close());

  it('discovers the routes from the running app', () => {
    expect(routes).toEqual(expect.arrayContaining(['GET /v1/events', 'GET /v1/audit/log', 'GET /v1/audit/verify']));
  });

  it('has an explicit expectation for every discovered route', () => {
    expect(routes.filter((r) => !(r in EXPECTED))).toEqual([]);
  });

  async function outcome(method: string, url: string, caller: Caller): Promise<'allowed' | 401 | 403> {
    const withBody = !['GET', 'HEAD', 'DELETE'].includes(method);
    const r = await http(t.baseUrl, method, url, { token: tokens[caller], body: withBody ? {} : undefined });
    return r.status === 401 || r.status === 403 ? r.status : 'allowed';
  }

  it('answers 401 without a token, 403 without the role, and lets the right roles through', async () => {
    const got: string[] = [];
    const want: string[] = [];
    const cases = [
      ...routes.filter((r) => r in EXPECTED).map((r) => ({ route: r, query: '', access: EXPECTED[r] })),
      ...VARIANTS.filter((v) => routes.includes(v.route)),
    ];
    for (const m of MOUNTED) {
      const [method, path] = m.route.split(' ');
      const probe = await http(t.baseUrl, method, path, { token: tokens.admin });
      if (probe.status !== 404) cases.push({ route: m.route, query: '', access: m.access });
    }
    for (const c of cases) {
      const [method, path] = c.route.split(' ');
      const url = concrete(path) + (c.query ? `?${c.query}` : '');
      const outcomes = await Promise.all(CALLERS.map((caller) => outcome(method, url, caller)));
      CALLERS.forEach((caller, i) => {
        got.push(`${c.route}${c.query ? `?${c.query}` : ''} as ${caller}: ${outcomes[i]}`);
        want.push(`${c.route}${c.query ? `?${c.query}` : ''} as ${caller}: ${expectedStatus(c.access, caller)}`);
      });
    }
    expect(got).toEqual(want);
    expect(cases.length).toBeGreaterThanOrEqual(14);
  });
});
