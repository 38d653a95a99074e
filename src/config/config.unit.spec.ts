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
