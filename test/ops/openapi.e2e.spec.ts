import SwaggerParser from '@apidevtools/swagger-parser';
import { TestDatabase, createTestDatabase } from '../support/database';
import { Child, queuePrefix, requireBuild, spawnApp } from './support';

interface Operation {
  description?: string;
  'x-roles'?: string[];
  security?: Record<string, unknown>[];
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string; type?: string } }> }>;
  requestBody?: { content: Record<string, { schema?: { $ref?: string } }> };
}
interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties?: Record<string, { $ref?: string; oneOf?: { $ref: string }[]; example?: unknown }>; required?: string[] }> };
}

/**
 * The OpenAPI document of the BUILT server (the @nestjs/swagger compiler plugin fills the DTO
 * schemas in the build output only, see scripts/build.mjs) against the routes Nest itself reports mapping.
 */
describe('OpenAPI document (/docs-json) of the built server', () => {
  let db: TestDatabase;
  let api: Child;
  let doc: OpenApi;
  let mapped: { method: string; path: string }[];

  beforeAll(async () => {
    requireBuild();
    db = await createTestDatabase('openapi');
    api = await spawnApp('api', { DATABASE_URL: db.url, QUEUE_PREFIX: queuePrefix('openapi'), LOG_LEVEL: 'debug' });
    doc = (await (await fetch(`${api.baseUrl}/docs-json`)).json()) as OpenApi;
    // Nest logs one line per route it maps (at debug, see logging.ts): {"context":"RouterExplorer","msg":"Mapped {/v1/events, POST} route"}.
    mapped = api
      .stdout()
      .split('\n')
      .filter((l) => l.includes('"RouterExplorer"'))
      .map((l) => /Mapped \{([^,]+), (\w+)\} route/.exec((JSON.parse(l) as { msg: string }).msg))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ path: m[1], method: m[2].toLowerCase() }));
  });
  afterAll(async () => {
    await api?.kill();
    await db?.drop();
  });

  const toOpenApiPath = (p: string) => p.replace(/:(\w+)/g, '{$1}');
  const operations = () => Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));

  it('lists every route Nest maps, and nothing else', () => {
    expect(mapped.length).toBeGreaterThanOrEqual(25);
    const missing = mapped.filter((r) => !doc.paths[toOpenApiPath(r.path)]?.[r.method]).map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(missing).toEqual([]);
    const documented = operations()
      .map((o) => `${o.method} ${o.path}`)
      .sort();
    expect(documented).toEqual(mapped.map((r) => `${r.method} ${toOpenApiPath(r.path)}`).sort());
    // The contract's routes, spot-checked by name.
    for (const [method, path] of [
      ['post', '/v1/events'],
      ['patch', '/v1/events/{id}'],
      ['post', '/v1/events/{id}/reschedule'],
      ['post', '/v1/events/{id}/cancel'],
      ['get', '/v1/events'],
      ['get', '/v1/calendar.ics'],
      ['get', '/v1/events/{id}'],
      ['get', '/v1/events/{id}/history'],
      ['post', '/v1/imports'],
      ['post', '/v1/subscriptions'],
      ['get', '/v1/subscriptions/confirm'],
      ['get', '/v1/subscriptions/unsubscribe'],
      ['post', '/v1/subscriptions/unsubscribe'],
      ['delete', '/v1/admin/subscriptions/{id}'],
      ['get', '/v1/admin/deliveries'],
      ['get', '/v1/audit/log'],
      ['get', '/v1/audit/export'],
      ['get', '/v1/audit/verify'],
      ['get', '/v1/audit/calendar'],
      ['get', '/v1/admin/projections'],
      ['post', '/v1/admin/projections/{name}/rebuild'],
      ['get', '/health/live'],
      ['get', '/health/ready'],
      ['get', '/metrics'],
      ['post', '/v1/admin/webhooks'],
      ['get', '/v1/admin/webhooks'],
      ['get', '/v1/admin/webhooks/{id}'],
      ['patch', '/v1/admin/webhooks/{id}'],
      ['delete', '/v1/admin/webhooks/{id}'],
      ['post', '/v1/admin/webhooks/{id}/rotate-secret'],
      ['get', '/v1/admin/webhooks/{id}/deliveries'],
      ['post', '/v1/admin/webhooks/{id}/replay'],
    ]) {
      expect(`${method} ${path}: ${doc.paths[path]?.[method] ? 'documented' : 'missing'}`).toBe(`${method} ${path}: documented`);
    }
  });

  it('every operation states its roles; protected ones need a bearer token and may answer 401/403', () => {
    const unexposed = operations().filter((o) => !/^Roles: /.test(o.op.description ?? '') || o.op.description === 'Roles: not exposed');
    expect(unexposed.map((o) => `${o.method} ${o.path}`)).toEqual([]);
    for (const { path, method, op } of operations()) {
      const isPublic = op.description === 'Roles: public';
      expect(op['x-roles']?.length).toBeGreaterThan(0);
      if (!isPublic) {
        expect(`${method} ${path} ${JSON.stringify(op.security)}`).toMatch(/bearer/);
        expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '403']));
      }
    }
    const roles = (method: string, path: string) => doc.paths[path][method].description;
    expect(roles('post', '/v1/events')).toBe('Roles: staff');
    expect(roles('get', '/v1/events')).toBe('Roles: public');
    expect(roles('get', '/v1/events/{id}/history')).toBe('Roles: staff, auditor');
    expect(roles('get', '/v1/audit/verify')).toBe('Roles: auditor');
    expect(roles('delete', '/v1/admin/subscriptions/{id}')).toBe('Roles: admin');
  });

  it('every operation documents its problem responses as application/problem+json', () => {
    expect(doc.components.schemas.ProblemSchema.properties).toEqual(
      expect.objectContaining({ type: expect.anything(), title: expect.anything(), status: expect.anything(), detail: expect.anything(), code: expect.anything(), errors: expect.anything() }),
    );
    for (const { path, method, op } of operations()) {
      for (const status of ['400', '429', '503']) {
        expect(`${method} ${path} ${status}: ${op.responses[status]?.content?.['application/problem+json']?.schema?.$ref ?? 'none'}`).toBe(
          `${method} ${path} ${status}: #/components/schemas/ProblemSchema`,
        );
      }
    }
  });

  it('request bodies have schemas from the DTOs (the compiler plugin ran)', () => {
    const schedule = doc.paths['/v1/events'].post.requestBody!.content['application/json'].schema!.$ref!;
    expect(schedule).toBe('#/components/schemas/ScheduleEventDto');
    const props = doc.components.schemas.ScheduleEventDto.properties ?? {};
    expect(Object.keys(props)).toEqual(expect.arrayContaining(['title', 'location', 'start', 'end', 'timeZone']));
    expect(doc.components.schemas.ScheduleEventDto.required).toEqual(expect.arrayContaining(['title', 'location', 'start', 'end']));
    expect(Object.keys(doc.components.schemas.RescheduleEventDto?.properties ?? {})).toEqual(expect.arrayContaining(['start', 'end']));
  });

  it('is a valid OpenAPI document (swagger-parser validates it against the OpenAPI schema and resolves every $ref)', async () => {
    await expect(SwaggerParser.validate(structuredClone(doc) as unknown as Parameters<typeof SwaggerParser.validate>[0])).resolves.toBeDefined();
  });

  it('every operation documents its success response with a schema (204 has no body)', () => {
    const missing: string[] = [];
    for (const { path, method, op } of operations()) {
      const success = Object.entries(op.responses).filter(([status]) => /^2\d\d$/.test(status));
      if (success.length === 0) missing.push(`${method} ${path}: no 2xx`);
      for (const [status, r] of success) {
        if (status === '204') continue;
        const schemas = Object.values(r.content ?? {}).map((c) => c.schema);
        if (schemas.length === 0 || schemas.some((x) => !x || (!x.$ref && !x.type))) missing.push(`${method} ${path}: ${status} without a schema`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('events: start/end are a date or a dateTime (oneOf), responses are the event representation, listings are pages', () => {
    const time = doc.components.schemas.ScheduleEventDto.properties!.start;
    expect(time.oneOf).toEqual([{ $ref: '#/components/schemas/AllDayTime' }, { $ref: '#/components/schemas/TimedTime' }]);
    expect(time.example).toEqual({ date: '2013-10-22' });
    expect(doc.components.schemas.RescheduleEventDto.properties!.end.oneOf).toHaveLength(2);
    expect(doc.components.schemas.AllDayTime.required).toEqual(['date']);
    expect(doc.components.schemas.TimedTime.required).toEqual(['dateTime']);
    const json = (path: string, method: string, status: string) => doc.paths[path][method].responses[status]?.content?.['application/json']?.schema?.$ref;
    expect(json('/v1/events', 'post', '201')).toBe('#/components/schemas/EventSchema');
    expect(json('/v1/events/{id}', 'get', '200')).toBe('#/components/schemas/EventSchema');
    expect(json('/v1/events/{id}/reschedule', 'post', '200')).toBe('#/components/schemas/EventSchema');
    expect(json('/v1/events', 'get', '200')).toBe('#/components/schemas/EventPageSchema');
    expect(json('/v1/audit/log', 'get', '200')).toBe('#/components/schemas/AuditLogPageSchema');
    expect(doc.components.schemas.EventSchema.properties!.start.oneOf).toHaveLength(2);
    expect(doc.components.schemas.EventSchema.required).toEqual(expect.arrayContaining(['id', 'status', 'title', 'location', 'timeZone', 'start', 'end', 'startsAt', 'endsAt', 'version']));
    expect(doc.paths['/v1/calendar.ics'].get.responses['200'].content?.['text/calendar']).toBeDefined();
  });

  it('webhook routes: admin only, request and response schemas', () => {
    const op = (method: string, path: string) => doc.paths[path][method] as Operation & { responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }> };
    for (const [method, path] of [
      ['post', '/v1/admin/webhooks'],
      ['patch', '/v1/admin/webhooks/{id}'],
      ['post', '/v1/admin/webhooks/{id}/replay'],
      ['get', '/v1/admin/webhooks/{id}/deliveries'],
    ]) {
      expect(op(method, path).description).toBe('Roles: admin');
    }
    expect(op('post', '/v1/admin/webhooks').requestBody!.content['application/json'].schema!.$ref).toBe('#/components/schemas/CreateWebhookDto');
    expect(doc.components.schemas.CreateWebhookDto.required).toEqual(['url']);
    expect(Object.keys(doc.components.schemas.ChangeWebhookDto.properties ?? {})).toEqual(expect.arrayContaining(['url', 'eventTypes', 'description', 'status']));
    expect(doc.components.schemas.ReplayWebhookDto.required).toEqual(['fromPosition']);
    expect(op('post', '/v1/admin/webhooks').responses['201'].content?.['application/json'].schema?.$ref).toBe('#/components/schemas/WebhookEndpointWithSecretDto');
    expect(Object.keys(doc.components.schemas.WebhookEndpointWithSecretDto.properties ?? {})).toEqual(expect.arrayContaining(['id', 'url', 'eventTypes', 'status', 'secret']));
    expect(op('get', '/v1/admin/webhooks/{id}/deliveries').responses['200'].content?.['application/json'].schema?.$ref).toBe('#/components/schemas/WebhookDeliveryListDto');
    expect(Object.keys(doc.components.schemas.WebhookDeliveryDto.properties ?? {})).toEqual(expect.arrayContaining(['eventId', 'statusCode', 'durationMs', 'attempt', 'error']));
  });

  it('serves Swagger UI at /docs', async () => {
    const r = await fetch(`${api.baseUrl}/docs`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/text\/html/);
  });
});
