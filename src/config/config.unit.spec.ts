import { generateKeyPairSync } from 'node:crypto';
import { loadConfig, redactUrl } from './config';

describe('DATABASE_URL without a user', () => {
  const user = (env: NodeJS.ProcessEnv) => new URL(loadConfig(env).DATABASE_URL).username;

  it('given PGUSER and USER, connects as PGUSER', () => {
    expect(user({ PGUSER: 'pg-role', USER: 'unix' })).toBe('pg-role');
  });

  it('given only USER, connects as USER', () => {
    expect(user({ USER: 'unix' })).toBe('unix');
  });

  it('given neither (env -i), connects as postgres, keeping host, port and database', () => {
    expect(loadConfig({}).DATABASE_URL).toBe('postgres://postgres@localhost:5432/almanac');
  });

  it('a URL that names its user keeps it, password included', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://app:s3cret@db:5433/cal', PGUSER: 'other' }).DATABASE_URL).toBe('postgres://app:s3cret@db:5433/cal');
  });
});

describe('redactUrl', () => {
  it('hides a password and nothing else', () => {
    expect(redactUrl('postgres://app:s3cret@db:5433/cal')).toBe('postgres://app:***@db:5433/cal');
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });
});

describe('the console sign-in settings', () => {
  const production = {
    NODE_ENV: 'production',
    SMTP_URL: 'smtp://mail.example:25',
    PUBLIC_BASE_URL: 'https://almanac.example',
    DATA_KEY_SECRET: 'a-data-key-secret-of-at-least-32-characters',
    AUTH_JWKS_URL: 'https://idp.example/jwks',
    CHECKPOINT_SIGNING_KEY: generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };

  it('in production the issuer must be https: the console exchanges codes for tokens there', () => {
    expect(() => loadConfig({ ...production, AUTH_OIDC_ISSUER: 'http://idp.example', AUTH_OIDC_CLIENT_ID: 'console' })).toThrow(/AUTH_OIDC_ISSUER must be https/);
    expect(loadConfig({ ...production, AUTH_OIDC_ISSUER: 'https://idp.example', AUTH_OIDC_CLIENT_ID: 'console' }).AUTH_OIDC_ISSUER).toBe('https://idp.example');
    expect(loadConfig({ AUTH_OIDC_ISSUER: 'http://127.0.0.1:8080', AUTH_OIDC_CLIENT_ID: 'console' }).AUTH_OIDC_ISSUER).toBe('http://127.0.0.1:8080');
  });

  it('the scope defaults to "openid profile" and can name an API scope', () => {
    expect(loadConfig({}).AUTH_OIDC_SCOPE).toBe('openid profile');
    expect(loadConfig({ AUTH_OIDC_SCOPE: 'openid api://almanac/access' }).AUTH_OIDC_SCOPE).toBe('openid api://almanac/access');
  });
});

describe('emails to admins and auditors', () => {
  it('given address lists, each address is checked at start-up, for both lists', () => {
    expect(loadConfig({ AUDIT_CHECKPOINT_EMAILS: ' audit@example.org, notary@example.net ' }).AUDIT_CHECKPOINT_EMAILS).toEqual(['audit@example.org', 'notary@example.net']);
    expect(loadConfig({}).AUDIT_CHECKPOINT_EMAILS).toEqual([]);
    expect(() => loadConfig({ AUDIT_CHECKPOINT_EMAILS: 'audit@example.org, notary' })).toThrow(/AUDIT_CHECKPOINT_EMAILS.*"notary", not an email address/);
    expect(() => loadConfig({ WEBHOOKS_ADMIN_EMAILS: 'ops' })).toThrow(/WEBHOOKS_ADMIN_EMAILS.*"ops", not an email address/);
  });

  it("given a language, it is one of the office's (a tag of one counts); English by default; anything else refuses to start", () => {
    expect(loadConfig({}).ADMIN_EMAIL_LOCALE).toBe('en');
    expect(loadConfig({ ADMIN_EMAIL_LOCALE: 'zh-CN' }).ADMIN_EMAIL_LOCALE).toBe('zh-CN');
    expect(() => loadConfig({ ADMIN_EMAIL_LOCALE: 'kr' })).toThrow(/ADMIN_EMAIL_LOCALE.*must be one of en, zh, ja, ko, mn/);
  });
});
