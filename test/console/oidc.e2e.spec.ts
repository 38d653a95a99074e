import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Server, createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JWK, SignJWT, exportJWK, generateKeyPair } from 'jose';
import Provider, { errors } from 'oidc-provider';
import type { Browser, Page, Request } from 'playwright-core';
import { provisionRuntimeRole } from '../../src/database/runtime-role';
import { Child, MAIN, queuePrefix, requireBuild, spawnDist } from '../ops/support';
import { http } from '../support/app';
import { TestDatabase, createTestDatabase } from '../support/database';
import { freePort } from '../support/redis-server';
import { TestSmtp, startTestSmtp } from '../support/smtp';
import { waitFor } from '../support/wait';
import { accessibilityViolations, launchChromium, newPage, screenshot } from './browser';

const CLIENT_ID = 'almanac-console';
/** The API as a resource server (RFC 8707): the access tokens' audience. */
const API = 'https://almanac.example/api';
/** A namespaced claim, as Auth0 asks for; AUTH_ROLES_CLAIM names it. */
const ROLES_CLAIM = 'https://almanac.example/roles';
const ROLES_OF: Record<string, string[]> = { alice: ['staff'] };

/**
 * Production sign-in, end to end: a real OpenID provider (panva's oidc-provider, certified) on
 * https in this process, almanac with NODE_ENV=production pointing its console and its token
 * verifier at it, and Debian's Chromium signing in through the provider's login page with the
 * authorization code flow and PKCE, then scheduling an event with the provider's token.
 */
describe('console sign-in with an OpenID Connect provider (browser, production settings)', () => {
  jest.setTimeout(180_000);
  let dir: string;
  let idp: Server;
  let provider: Provider;
  let issuer: string;
  let signingJwk: JWK;
  let db: TestDatabase;
  let smtp: TestSmtp;
  let app: Child;
  let base: string;
  let browser: Browser;
  /** The access tokens' lifetime in seconds; the renewal test shortens it. */
  let accessTokenTTL = 600;

  beforeAll(async () => {
    requireBuild();
    // A certificate for 127.0.0.1 (production wants https for the issuer and its keys); the app
    // trusts it through NODE_EXTRA_CA_CERTS, the browser by ignoring certificate errors.
    dir = mkdtempSync(join(tmpdir(), 'almanac-oidc-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const [idpPort, appPort] = [await freePort(), await freePort()];
    issuer = `https://127.0.0.1:${idpPort}`;
    base = `http://127.0.0.1:${appPort}`;

    signingJwk = { ...(await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey)), kid: 'idp-1', alg: 'ES256', use: 'sig' };
    provider = new Provider(issuer, {
      clients: [
        {
          client_id: CLIENT_ID,
          token_endpoint_auth_method: 'none', // a public client: the browser holds no secret
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          id_token_signed_response_alg: 'ES256', // the provider's one key
          redirect_uris: [`${base}/console/callback`],
          post_logout_redirect_uris: [`${base}/console`],
        },
      ],
      pkce: { required: () => true },
      // Refresh tokens bound to the provider's session, as Keycloak and Okta issue them to a
      // browser app, without asking for offline_access (which oidc-provider drops on prompt=none).
      issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
      ttl: { AccessToken: () => accessTokenTTL, IdToken: 600, RefreshToken: 3600, Grant: 3600, Interaction: 600, Session: 3600 },
      jwks: { keys: [signingJwk] },
      cookies: { keys: [randomBytes(32).toString('hex')] },
      findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
      clientBasedCORS: (_ctx, origin) => origin === base,
      features: {
        devInteractions: { enabled: true }, // the provider's own login page: any login, any password
        rpInitiatedLogout: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => API,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx, resource) => {
            if (resource !== API) throw new errors.InvalidTarget();
            return { scope: 'almanac', audience: API, accessTokenTTL, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } };
          },
        },
      },
      extraTokenClaims: (_ctx, token) => ('accountId' in token && typeof token.accountId === 'string' ? { [ROLES_CLAIM]: ROLES_OF[token.accountId] ?? [] } : undefined),
    });
    idp = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, provider.callback());
    await new Promise<void>((r) => idp.listen(idpPort, '127.0.0.1', () => r()));

    [db, smtp] = await Promise.all([createTestDatabase('oidc'), startTestSmtp()]);
    const runtimeUrl = await provisionRuntimeRole(db.url);
    app = await spawnDist(
      MAIN,
      ['all'],
      {
        NODE_ENV: 'production',
        NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem'),
        DATABASE_URL: runtimeUrl,
        DATABASE_MIGRATION_URL: db.url,
        QUEUE_PREFIX: queuePrefix('oidc'),
        SMTP_URL: smtp.url,
        PUBLIC_BASE_URL: base,
        DATA_KEY_SECRET: 'oidc-test-data-key-secret-0123456789abcdef',
        CHECKPOINT_SIGNING_KEY: generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
        AUTH_JWT_SECRET: '', // the provider is the only source of tokens
        AUTH_JWKS_URL: `${issuer}/jwks`,
        AUTH_JWT_ISSUER: issuer,
        AUTH_JWT_AUDIENCE: API,
        AUTH_ROLES_CLAIM: ROLES_CLAIM,
        AUTH_OIDC_ISSUER: issuer,
        AUTH_OIDC_CLIENT_ID: CLIENT_ID,
        AUTH_OIDC_SCOPE: 'openid profile almanac',
      },
      appPort,
    );
    await waitFor(
      'app ready',
      async () => {
        if (app.proc.exitCode !== null) throw new Error(`exited ${app.proc.exitCode}: ${app.stderr()}`);
        return (await fetch(`${base}/health/ready`).catch(() => undefined))?.status === 200;
      },
      60000,
      100,
    );
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.kill();
    await new Promise((r) => idp?.close(r));
    idp?.closeAllConnections();
    await smtp?.close();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function check(page: Page, problems: string[], name: string): Promise<void> {
    await screenshot(page, name);
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  }

  /** The provider's login page (any password), then its consent page. */
  async function loginAtProvider(page: Page, login: string): Promise<void> {
    await page.waitForSelector('input[name=login]').catch(async (e: Error) => {
      throw new Error(`${e.message}\n${page.url()}\n${await page.textContent('body')}`);
    });
    await page.fill('input[name=login]', login);
    await page.fill('input[name=password]', 'correct horse battery staple');
    await page.click('button[type=submit]');
    await page.waitForSelector('button:has-text("Continue")');
    await page.click('button:has-text("Continue")');
  }

  /** Every key and value of both web storages of the page's origin. */
  const storage = (page: Page) => page.evaluate(() => [localStorage, sessionStorage].flatMap((s) => Object.keys(s).map((k) => `${k}=${s.getItem(k) ?? ''}`)));

  it('offers the provider only (no role picker), with a CSP that allows no inline script and lets the console reach the issuer', async () => {
    const r = await fetch(`${base}/console`);
    expect(r.status).toBe(200);
    const csp = r.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).toContain(`connect-src 'self' ${issuer}`);
    expect(await (await fetch(`${base}/console/settings.json`)).json()).toEqual({ devSignIn: false, oidc: { issuer, clientId: CLIENT_ID, scope: 'openid profile almanac' } });
    expect((await http(base, 'POST', '/console/dev-sign-in', { body: { role: 'admin' } })).status).toBe(404);
  });

  it('staff sign in through the provider (code + PKCE S256), schedule an event with its token; no token in web storage; a reload signs in again silently; sign-out ends it', async () => {
    const { page, problems } = await newPage(browser, { ignoreHTTPSErrors: true, timezoneId: 'Asia/Seoul', locale: 'en-GB' });
    const authorizations: URL[] = [];
    const bearers: string[] = [];
    page.on('request', (req: Request) => {
      const url = new URL(req.url());
      if (url.origin === issuer && url.pathname === '/auth') authorizations.push(url);
      const auth = req.headers().authorization;
      if (url.origin === base && url.pathname === '/v1/events' && req.method() === 'POST' && auth) bearers.push(auth);
    });
    const tokenResponse = page.waitForResponse((res) => res.url() === `${issuer}/token` && res.request().method() === 'POST');

    await page.goto(`${base}/console`);
    await page.waitForSelector('#oidc-sign-in');
    expect(await page.locator('button[data-role]').count()).toBe(0);
    await check(page, problems, 'console-oidc-sign-in');

    // The provider's login page, then its consent page.
    await page.click('#oidc-sign-in');
    await page.waitForURL((u) => u.origin === issuer);
    await loginAtProvider(page, 'alice');

    // Back in the console, signed in, the code and state gone from the address bar.
    await page.waitForSelector('#schedule-form');
    expect(page.url()).toBe(`${base}/console`);
    expect(await page.textContent('#signed-in')).toContain('alice (staff)');
    const first = authorizations[0];
    expect(first.searchParams.get('response_type')).toBe('code');
    expect(first.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(first.searchParams.get('code_challenge_method')).toBe('S256');
    expect(first.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(first.searchParams.get('redirect_uri')).toBe(`${base}/console/callback`);

    const tokens = (await (await tokenResponse).json()) as { access_token: string; id_token: string; refresh_token: string; token_type: string };
    expect(tokens.refresh_token).toBeTruthy();
    const accessToken = tokens.access_token;
    expect(accessToken.split('.')).toHaveLength(3); // a JWT for the API (resource indicator), not an opaque token
    const held = await storage(page);
    // Only how the tab signed in; the PKCE verifier and nonce were removed by the callback.
    expect(held).toEqual(['almanac.console.resume={"kind":"oidc"}']);
    for (const secret of [accessToken, tokens.id_token, accessToken.split('.')[2], tokens.id_token.split('.')[2], tokens.refresh_token]) {
      expect(held.filter((kv) => kv.includes(secret))).toEqual([]);
    }
    expect((await page.context().cookies(base)).filter((c) => c.value.includes(accessToken.split('.')[2]))).toEqual([]);

    // A staff write through the desk, carried by the provider's token and accepted by the API.
    const form = page.locator('#schedule-form');
    await form.locator('input[name=title]').fill('Forum on Identity Federation');
    await form.locator('input[name=city]').fill('Seoul');
    await form.locator('select[name=country]').selectOption('KR');
    await form.locator('input[name=start]').fill('2013-11-04');
    await form.locator('input[name=end]').fill('2013-11-05');
    await form.locator('button[type=submit]').click();
    await page.waitForSelector('#desk-status.ok');
    expect(bearers).toEqual([`Bearer ${accessToken}`]);
    const row = page.locator('#desk-events tr', { hasText: 'Forum on Identity Federation' });
    const id = (await row.getAttribute('data-event-id'))!;
    const history = await http<{ items: Array<{ type: string; metadata: { actor: string } }> }>(base, 'GET', `/v1/events/${id}/history`, { token: accessToken });
    expect(history.status).toBe(200);
    expect(history.body.items.map((e) => [e.type, e.metadata.actor])).toEqual([['EventScheduled', 'alice']]);
    await check(page, problems, 'console-oidc-desk');
    expect((await storage(page)).filter((kv) => kv.includes(accessToken.split('.')[2]))).toEqual([]);

    // A reload loses the token (memory only) and signs in again through the provider's session,
    // without its login page (prompt=none): the tab had kept only that it used the provider.
    await page.reload();
    await page.waitForSelector('#schedule-form');
    expect(page.url()).toBe(`${base}/console`);
    expect(authorizations).toHaveLength(2);
    expect(authorizations[1].searchParams.get('prompt')).toBe('none');
    expect(authorizations[1].searchParams.get('code_challenge_method')).toBe('S256');

    // Sign-out ends the provider's session too: the next visit shows the sign-in button.
    await page.click('button:has-text("Sign out")');
    await page.waitForURL((u) => u.origin === issuer);
    await page.click('button[name=logout]');
    await page.waitForSelector('#oidc-sign-in');
    expect(page.url()).toBe(`${base}/console`);
    expect(await storage(page)).toEqual([]);
    await page.reload();
    await page.waitForSelector('#oidc-sign-in');
    expect(authorizations).toHaveLength(2);
    expect(problems).toEqual([]);
  });

  it('an access token about to expire is renewed with the refresh token (in memory only): staff keep working past its expiry without a reload', async () => {
    accessTokenTTL = 15;
    try {
      const { page, problems } = await newPage(browser, { ignoreHTTPSErrors: true, timezoneId: 'Asia/Seoul', locale: 'en-GB' });
      const grants: Array<{ grant: string; accessToken: string; refreshToken: string }> = [];
      const bearers: string[] = [];
      let loads = 0;
      page.on('load', () => loads++);
      page.on('request', (req: Request) => {
        const url = new URL(req.url());
        const auth = req.headers().authorization;
        if (url.origin === base && url.pathname === '/v1/events' && req.method() === 'POST' && auth) bearers.push(auth.replace(/^Bearer /, ''));
      });
      page.on('response', (res) => {
        if (res.url() !== `${issuer}/token` || res.request().method() !== 'POST' || res.status() !== 200) return;
        const grant = new URLSearchParams(res.request().postData() ?? '').get('grant_type') ?? '';
        void res.json().then((b: { access_token: string; refresh_token: string }) => grants.push({ grant, accessToken: b.access_token, refreshToken: b.refresh_token }));
      });

      await page.goto(`${base}/console`);
      await page.click('#oidc-sign-in');
      await page.waitForURL((u) => u.origin === issuer);
      await loginAtProvider(page, 'alice');
      await page.waitForSelector('#schedule-form');
      const loadsSignedIn = loads;
      await waitFor('the code exchanged', () => grants.some((g) => g.grant === 'authorization_code'));
      const first = grants.find((g) => g.grant === 'authorization_code')!;
      const firstExpiry = (JSON.parse(Buffer.from(first.accessToken.split('.')[1], 'base64url').toString()) as { exp: number }).exp;
      expect(firstExpiry - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(15);

      // Before the first token expires the console trades its refresh token for a new pair…
      await waitFor('a renewal with the refresh token', () => grants.some((g) => g.grant === 'refresh_token'), 30_000, 100);
      // …and when the first token is past its expiry (the API now refuses it), a write still goes through.
      await waitFor('the first token expired', async () => (await http(base, 'GET', '/console/me', { token: first.accessToken })).status === 401, 30_000, 250);
      const form = page.locator('#schedule-form');
      await form.locator('input[name=title]').fill('Workshop on Token Lifetimes');
      await form.locator('input[name=city]').fill('Seoul');
      await form.locator('select[name=country]').selectOption('KR');
      await form.locator('input[name=start]').fill('2013-11-11');
      await form.locator('input[name=end]').fill('2013-11-12');
      await form.locator('button[type=submit]').click();
      expect(await page.locator('#session-ended').count()).toBe(0);
      const outcome = await page.waitForSelector('#desk-status.ok, #desk-status.error');
      expect([await outcome.getAttribute('class'), await outcome.textContent()]).toEqual(['ok', expect.any(String)]);
      expect(bearers).toHaveLength(1);
      expect(bearers[0]).not.toBe(first.accessToken);
      expect(grants.filter((g) => g.grant === 'refresh_token').map((g) => g.accessToken)).toContain(bearers[0]);
      // No reload, no redirect to the provider: the same page did it all.
      expect(loads).toBe(loadsSignedIn);
      expect(page.url()).toBe(`${base}/console`);
      // The refresh tokens, like the access tokens, never reached web storage.
      const held = await storage(page);
      expect(held).toEqual(['almanac.console.resume={"kind":"oidc"}']);
      for (const g of grants) expect(held.filter((kv) => kv.includes(g.refreshToken) || kv.includes(g.accessToken.split('.')[2]))).toEqual([]);
      await check(page, problems, 'console-oidc-renewed');
      await page.context().close();
    } finally {
      accessTokenTTL = 600;
    }
  });

  it('a token that cannot be renewed: once it expires the console says the session has ended, and signing in again returns to the page', async () => {
    accessTokenTTL = 15;
    try {
      const { page, problems } = await newPage(browser, { ignoreHTTPSErrors: true, timezoneId: 'Asia/Seoul', locale: 'en-GB' });
      const codeGrant = page.waitForResponse((res) => res.url() === `${issuer}/token` && new URLSearchParams(res.request().postData() ?? '').get('grant_type') === 'authorization_code');
      const refused: number[] = [];
      page.on('response', (res) => {
        if (res.url() === `${issuer}/token` && new URLSearchParams(res.request().postData() ?? '').get('grant_type') === 'refresh_token') refused.push(res.status());
      });
      await page.goto(`${base}/console`);
      await page.click('#oidc-sign-in');
      await page.waitForURL((u) => u.origin === issuer);
      await loginAtProvider(page, 'alice');
      await page.waitForSelector('#schedule-form');
      const tokens = (await (await codeGrant).json()) as { access_token: string; refresh_token: string };

      // The provider withdraws the refresh token (as on a revoked grant): the renewal is refused.
      await (await provider.RefreshToken.find(tokens.refresh_token))!.destroy();
      expect(await page.locator('#session-ended').count()).toBe(0);
      await page.waitForSelector('#session-ended', { timeout: 30_000 });
      expect(refused).toEqual([400]);
      await waitFor('the API refusing the expired token', async () => (await http(base, 'GET', '/console/me', { token: tokens.access_token })).status === 401, 30_000, 250);
      expect(await page.textContent('#session-ended')).toContain('Your session has ended');
      await check(page, problems, 'console-oidc-session-ended');

      // The provider's own session still stands: signing in again needs no login page and comes
      // back to the console, signed in with a new token, the notice gone.
      await page.click('#sign-in-again');
      await page.waitForFunction(() => !document.getElementById('session-ended') && document.getElementById('schedule-form'), undefined, { timeout: 30_000 });
      expect(page.url()).toBe(`${base}/console`);
      expect(await page.textContent('#signed-in')).toContain('alice (staff)');
      await page.context().close();
    } finally {
      accessTokenTTL = 600;
    }
  });

  it('a token signed with another key (same kid, same claims) is refused with 401; an unsigned one too', async () => {
    const stranger = await generateKeyPair('ES256');
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({ [ROLES_CLAIM]: ['staff', 'admin'], scope: 'almanac', client_id: CLIENT_ID })
      .setProtectedHeader({ alg: 'ES256', kid: signingJwk.kid, typ: 'at+jwt' })
      .setIssuer(issuer)
      .setAudience(API)
      .setSubject('alice')
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(stranger.privateKey);
    const body = { title: 'Forged', location: { city: 'Seoul', country: 'KR' }, start: { date: '2013-11-06' }, end: { date: '2013-11-06' } };
    const r = await http<{ detail: string }>(base, 'POST', '/v1/events', { token: forged, body });
    expect(r.status).toBe(401);
    expect(r.body.detail).toMatch(/not valid/);
    expect((await http(base, 'GET', '/console/me', { token: forged })).status).toBe(401);
    const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${forged.split('.')[1]}.`;
    expect((await http(base, 'POST', '/v1/events', { token: none, body })).status).toBe(401);
  });
});
