// Lint: typescript-eslint for the code, plus the architecture's boundaries as rules,
// so a change that crosses one fails the build instead of waiting for a review.
import { readdirSync } from 'node:fs';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

const modules = readdirSync(new URL('./src/modules', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

// A module may use its own http layer, never another module's.
const foreignHttpZones = modules.map((name) => ({
  target: `./src/modules/${name}`,
  from: modules.filter((other) => other !== name).map((other) => `./src/modules/${other}/http`),
  message: "A module never imports another module's http layer; share a type from its domain or a query instead.",
}));

// SQL that names the log's table, or the projections' checkpoints, outside the code that owns it.
const eventsTableSql = /\b(from|into|join|update|table|truncate)\s+"?events"?\b/i;
const checkpointsSql = /projection_checkpoints/;
const sqlRule = (pattern, message) => [
  { selector: `Literal[value=${pattern}]`, message },
  { selector: `TemplateElement[value.raw=${pattern}]`, message },
];
const EVENTS_MESSAGE = 'Only src/events touches the events table: add what you need to the EventStore port.';
const CHECKPOINTS_MESSAGE = "Only src/projections touches projection checkpoints: use the projection runner's API.";

// HTTP errors belong to the http layer: elsewhere code throws a DomainError kind, which the
// problem filter maps (guards, controllers and middleware live in an http/ folder).
const HTTP_ERRORS_MESSAGE = 'Only code in an http/ folder builds HTTP errors: throw a DomainError kind (the problem filter maps it), or move the controller/guard into http/.';
const httpErrorImports = {
  paths: [
    {
      name: '@nestjs/common',
      importNames: [
        'HttpException',
        'BadRequestException',
        'UnauthorizedException',
        'ForbiddenException',
        'NotFoundException',
        'MethodNotAllowedException',
        'NotAcceptableException',
        'RequestTimeoutException',
        'ConflictException',
        'GoneException',
        'PreconditionFailedException',
        'PayloadTooLargeException',
        'UnsupportedMediaTypeException',
        'ImATeapotException',
        'MisdirectedException',
        'UnprocessableEntityException',
        'InternalServerErrorException',
        'NotImplementedException',
        'BadGatewayException',
        'ServiceUnavailableException',
        'GatewayTimeoutException',
        'HttpVersionNotSupportedException',
      ],
      message: HTTP_ERRORS_MESSAGE,
    },
  ],
  patterns: [{ group: ['**/http/problem', '**/http/html-page.exception'], message: HTTP_ERRORS_MESSAGE }],
};
const EVENTS_ADAPTER = { group: ['**/events/postgres-event-store'], message: EVENTS_MESSAGE };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/results/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver': { node: { extensions: ['.ts', '.js'] } },
      'import-x/extensions': ['.ts'],
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            ...foreignHttpZones,
            {
              target: ['./src/common', './src/events', './src/projections', './src/jobs'],
              from: './src/modules',
              message: 'The engine and the shared code sit below the modules and never import one.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/events/**', 'src/database/migrations/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [EVENTS_ADAPTER] }],
      'no-restricted-syntax': ['error', ...sqlRule(eventsTableSql, EVENTS_MESSAGE)],
    },
  },
  {
    // (One rule's options replace, not extend, an earlier block's: each block lists all it forbids.)
    files: ['src/**/*.ts'],
    ignores: ['src/**/http/**', 'src/database/migrations/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: httpErrorImports.paths, patterns: [...httpErrorImports.patterns, EVENTS_ADAPTER] }],
    },
  },
  {
    files: ['src/events/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', httpErrorImports],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/events/**', 'src/projections/**', 'src/database/migrations/**'],
    rules: {
      'no-restricted-syntax': ['error', ...sqlRule(eventsTableSql, EVENTS_MESSAGE), ...sqlRule(checkpointsSql, CHECKPOINTS_MESSAGE)],
    },
  },
  {
    // The pure domain: plain functions and types, no framework, no I/O.
    files: ['src/modules/*/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@nestjs/*', 'typeorm', 'pg', 'pg-*', 'express', 'ioredis', 'bullmq', 'nodemailer'], message: 'The domain is pure: no framework, database or transport.' },
            { group: ['**/http', '**/http/**'], message: 'The domain never imports an http layer.' },
            EVENTS_ADAPTER,
          ],
          paths: httpErrorImports.paths,
        },
      ],
    },
  },
  {
    // Tests may set up and tamper with anything; the boundaries are for the service's code.
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-restricted-syntax': 'off',
      'no-restricted-imports': 'off',
    },
  },
);
