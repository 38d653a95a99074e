import type { INestApplication } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { ApiBearerAuth, ApiOperation, ApiResponse, DocumentBuilder, SwaggerModule, getSchemaPath } from '@nestjs/swagger';
import { ApiProperty } from '@nestjs/swagger';

class FieldErrorSchema {
  @ApiProperty() field!: string;
  @ApiProperty() message!: string;
}

/** RFC 9457 problem details as almanac sends them, with the contract's `code` and `errors[]`. */
export class ProblemSchema {
  @ApiProperty({ example: 'https://almanac.dev/problems/validation-failed' }) type!: string;
  @ApiProperty({ example: 'Bad request' }) title!: string;
  @ApiProperty({ example: 400 }) status!: number;
  @ApiProperty() detail!: string;
  @ApiProperty({ example: 'VALIDATION_FAILED' }) code!: string;
  @ApiProperty({ type: [FieldErrorSchema], required: false }) errors?: FieldErrorSchema[];
}

const PROBLEMS: Record<number, string> = {
  400: 'Validation failed (errors[] lists each field)',
  401: 'No valid bearer token',
  403: 'The token lacks the role',
  404: 'Unknown id',
  409: 'A domain rule refused the command (e.g. EVENT_CANCELLED)',
  410: 'Sync token or link no longer valid',
  412: 'If-Match does not match the current version',
  413: 'Body larger than 1 MB',
  415: 'Wrong content type',
  422: 'Idempotency-Key reused with another body',
  429: 'Rate limited (Retry-After)',
  503: 'A dependency is unavailable (Retry-After)',
};

const ROLES_KEY = 'almanac:roles';
const PUBLIC_KEY = 'almanac:public';

/**
 * Before the document is generated, every handler gets its roles, bearer security and the
 * problem responses it can give — from the same metadata the auth guard enforces, so the
 * document cannot drift from what the API does. Schemas of bodies come from the DTOs (the
 * @nestjs/swagger compiler plugin reads their class-validator decorators at build time).
 */
function describeRoutes(app: INestApplication): void {
  const discovery = app.get(DiscoveryService);
  const scanner = app.get(MetadataScanner);
  const reflector = app.get(Reflector);
  for (const wrapper of discovery.getControllers()) {
    const { instance, metatype } = wrapper;
    if (!instance || !metatype) continue;
    const proto = Object.getPrototypeOf(instance) as Record<string, unknown>;
    for (const name of scanner.getAllMethodNames(proto)) {
      const handler = proto[name] as (...args: unknown[]) => unknown;
      const descriptor = Object.getOwnPropertyDescriptor(proto, name)!;
      const isPublic = reflector.getAllAndOverride<boolean>(PUBLIC_KEY, [handler, metatype]) ?? false;
      const roles = reflector.getAllAndOverride<string[] | undefined>(ROLES_KEY, [handler, metatype]);
      const who = isPublic ? 'public' : roles ? roles.join(', ') : 'not exposed';
      const existing = Reflect.getMetadata('swagger/apiOperation', handler) as { summary?: string } | undefined;
      ApiOperation({ summary: existing?.summary ?? name, description: `Roles: ${who}`, ...({ 'x-roles': isPublic ? ['public'] : (roles ?? []) } as object) })(proto, name, descriptor);
      if (!isPublic) ApiBearerAuth()(proto, name, descriptor);
      const codes = [400, 404, 429, 503, ...(isPublic ? [] : [401, 403, 409, 412, 413, 415, 422])];
      for (const status of codes)
        ApiResponse({ status, description: PROBLEMS[status], content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemSchema) } } } })(proto, name, descriptor);
    }
  }
}

/** /docs (Swagger UI) and /docs-json (the OpenAPI document). */
export function setupOpenApi(app: INestApplication): void {
  describeRoutes(app);
  const config = new DocumentBuilder()
    .setTitle('almanac')
    .setDescription('Event-sourced calendar: staff schedule events, subscribers get reminders, auditors verify the log. Errors are application/problem+json (RFC 9457).')
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .build();
  const document = SwaggerModule.createDocument(app, config, { extraModels: [ProblemSchema] });
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
