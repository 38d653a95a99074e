import { generateKeyPairSync } from 'node:crypto';
import { AddressInfo, createServer } from 'node:net';
import { provisionRuntimeRole } from '../../src/database/runtime-role';
import { TEST_JWT_SECRET } from '../support/app';
import { TestDatabase, createTestDatabase } from '../support/database';
import { TestSmtp, startTestSmtp } from '../support/smtp';
import { CLI, Child, MAIN, queuePrefix, requireBuild, spawnApp, spawnDist } from './support';

/** NODE_ENV=production refuses development conveniences, loudly and at once. */
describe('production configuration', () => {
  let db: TestDatabase;
  let smtp: TestSmtp;
  const children: Child[] = [];
  let runtimeUrl: string;
  const signingKey = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

  beforeAll(async () => {
    requireBuild();
    [db, smtp] = await Promise.all([createTestDatabase('production'), startTestSmtp()]);
    runtimeUrl = await provisionRuntimeRole(db.url);
  });
  afterAll(async () => {
    for (const c of children) await c.kill();
    await smtp?.close();
    await db?.drop();
  });

  // Production as the README says: migrations as the owner, the service as a role that can only read and append to the log.
  const prod = (): Record<string, string> => ({
    NODE_ENV: 'production',
    DATABASE_URL: runtimeUrl,
    DATABASE_MIGRATION_URL: db.url,
    CHECKPOINT_SIGNING_KEY: signingKey,
    QUEUE_PREFIX: queuePrefix('production'),
    SMTP_URL: smtp.url,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    DATA_KEY_SECRET: 'production-test-data-key-secret-0123456789',
    PUBLIC_BASE_URL: 'https://almanac.example',
    LOG_LEVEL: 'silent',
  });

  /**
   * Exits non-zero with exactly one line on stderr, before it connects to anything: PostgreSQL
   * and Redis point at a listener that counts connections, and it must count none (no start-up
   * retries first; a timed bound would only measure how busy the machine is).
   */
  async function refused(script: string, args: string[], env: Record<string, string>): Promise<string> {
    let connections = 0;
    const listener = createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((res) => listener.listen(0, '127.0.0.1', () => res()));
    const port = (listener.address() as AddressInfo).port;
    let c: Child;
    try {
      c = await spawnDist(script, args, {
        ...env,
        DATABASE_URL: `postgres://almanac@127.0.0.1:${port}/almanac`,
        DATABASE_MIGRATION_URL: `postgres://almanac@127.0.0.1:${port}/almanac`,
        ...(env.REDIS_URL === undefined ? { REDIS_URL: `redis://127.0.0.1:${port}` } : {}),
      });
      children.push(c);
      const { code } = await c.exited;
      expect(code).not.toBe(0);
      expect(connections).toBe(0);
    } finally {
      await new Promise<void>((res) => listener.close(() => res()));
    }
    const lines = c.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    return lines[0];
  }

  it('without SMTP_URL the api refuses to start, naming SMTP_URL in one line', async () => {
    const { SMTP_URL: _unset, ...env } = prod();
    const line = await refused(MAIN, ['api'], env);
    expect(line).toMatch(/^almanac: invalid configuration: SMTP_URL /);
  });

  it('with a short AUTH_JWT_SECRET (or the development default) it refuses, naming AUTH_JWT_SECRET', async () => {
    expect(await refused(MAIN, ['api'], { ...prod(), AUTH_JWT_SECRET: 'short-secret' })).toMatch(/^almanac: invalid configuration: AUTH_JWT_SECRET .*32/);
    // Unset (empty counts as unset): the development default is refused as well, by every role.
    expect(await refused(MAIN, ['worker'], { ...prod(), AUTH_JWT_SECRET: '' })).toMatch(/AUTH_JWT_SECRET/);
  });

  it('without PUBLIC_BASE_URL, or without DATA_KEY_SECRET (or with it equal to the JWT secret), it refuses, naming the variable', async () => {
    const { PUBLIC_BASE_URL: _base, ...noBase } = prod();
    expect(await refused(MAIN, ['api'], noBase)).toMatch(/^almanac: invalid configuration: PUBLIC_BASE_URL is required/);
    const { DATA_KEY_SECRET: _key, ...noKey } = prod();
    expect(await refused(MAIN, ['worker'], noKey)).toMatch(/^almanac: invalid configuration: DATA_KEY_SECRET must be set/);
    expect(await refused(MAIN, ['all'], { ...prod(), DATA_KEY_SECRET: TEST_JWT_SECRET })).toMatch(/^almanac: invalid configuration: DATA_KEY_SECRET must differ from AUTH_JWT_SECRET/);
  });

  it('without a token verifier (neither AUTH_JWKS_URL nor a 32+ character AUTH_JWT_SECRET) it refuses; with only AUTH_JWKS_URL it boots', async () => {
    const noVerifier = { ...prod(), AUTH_JWT_SECRET: '' }; // empty counts as unset
    expect(await refused(MAIN, ['api'], noVerifier)).toMatch(/^almanac: invalid configuration: AUTH_JWT_SECRET or AUTH_JWKS_URL is required/);
    // The identity provider's keys are fetched when a token first arrives, not at start.
    expect(await refused(MAIN, ['api'], { ...noVerifier, AUTH_JWKS_URL: 'http://idp.example/jwks.json' })).toMatch(/^almanac: invalid configuration: AUTH_JWKS_URL must be https/);
    const api = await spawnApp('api', { ...noVerifier, AUTH_JWKS_URL: 'https://idp.example/.well-known/jwks.json' });
    children.push(api);
    expect((await fetch(`${api.baseUrl}/health/ready`)).status).toBe(200);
  });

  it('without an Ed25519 CHECKPOINT_SIGNING_KEY it refuses, naming CHECKPOINT_SIGNING_KEY', async () => {
    expect(await refused(MAIN, ['api'], { ...prod(), CHECKPOINT_SIGNING_KEY: '' })).toMatch(/^almanac: invalid configuration: CHECKPOINT_SIGNING_KEY is required/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(await refused(MAIN, ['api'], { ...prod(), CHECKPOINT_SIGNING_KEY: rsa })).toMatch(/CHECKPOINT_SIGNING_KEY must be an Ed25519 private key/);
  });

  it('a malformed variable is named too, in any environment', async () => {
    expect(await refused(MAIN, ['api'], { ...prod(), NODE_ENV: 'test', REDIS_URL: 'http://nope' })).toMatch(/^almanac: invalid configuration: REDIS_URL /);
    expect(await refused(MAIN, ['nonsense'], prod())).toMatch(/unknown role "nonsense"/);
  });

  it('the CLI refuses to mint tokens in production', async () => {
    const line = await refused(CLI, ['token', '--sub', 'a', '--roles', 'staff'], prod());
    expect(line).toMatch(/token minting is off when NODE_ENV=production/);
    // …and mints them elsewhere.
    const dev = await spawnDist(CLI, ['token', '--sub', 'a', '--roles', 'staff'], { ...prod(), NODE_ENV: 'development' });
    children.push(dev);
    expect((await dev.exited).code).toBe(0);
    expect(dev.stdout().trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('boots with valid production settings; the development mailbox is not there (404)', async () => {
    const api = await spawnApp('api', prod());
    children.push(api);
    for (const path of ['/dev/mailbox', '/dev/mailbox/messages']) {
      const r = await fetch(`${api.baseUrl}${path}`);
      expect(r.status).toBe(404);
    }
    // Security headers from helmet, no framework fingerprint.
    const r = await fetch(`${api.baseUrl}/health/live`);
    expect(r.headers.get('x-powered-by')).toBeNull();
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    // CORS: no origin is allowed unless CORS_ORIGINS names it.
    const pre = await fetch(`${api.baseUrl}/v1/events`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('CORS_ORIGINS allows the named origins and exposes ETag and X-Log-Position', async () => {
    const api = await spawnApp('api', { ...prod(), CORS_ORIGINS: 'https://calendar.example, https://admin.example' });
    children.push(api);
    const pre = await fetch(`${api.baseUrl}/v1/events`, {
      method: 'OPTIONS',
      headers: { origin: 'https://admin.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,if-match' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://admin.example');
    const get = await fetch(`${api.baseUrl}/v1/events`, { headers: { origin: 'https://calendar.example' } });
    expect(get.headers.get('access-control-allow-origin')).toBe('https://calendar.example');
    expect(get.headers.get('access-control-expose-headers')).toMatch(/ETag/);
    expect(get.headers.get('access-control-expose-headers')).toMatch(/X-Log-Position/);
    const other = await fetch(`${api.baseUrl}/v1/events`, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
