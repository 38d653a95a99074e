import { createPrivateKey } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { parseRedisNodes } from '../jobs/redis';
import { LOCALES, knownLocale } from '../common/i18n/i18n';

/** Development-only defaults so `npm start` works on a fresh machine; production refuses them. */
const DEV_JWT_SECRET = 'almanac-development-secret-do-not-use-in-production';

/** Comma-separated email addresses (empty: none), each checked at start-up. */
const emailList = z
  .string()
  .default('')
  .transform((v, ctx) => {
    const list = v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const a of list) if (!z.email().safeParse(a).success) ctx.addIssue({ code: 'custom', message: `holds "${a}", not an email address` });
    return list;
  });

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).default('postgres://localhost:5432/almanac'),
    /** A streaming replica of DATABASE_URL's database for the public reads; unset: the primary serves them. */
    DATABASE_READ_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
    /** Seed nodes of a Redis Cluster (`host:port,…`, or redis[s]:// URLs carrying credentials); instead of REDIS_URL. */
    REDIS_CLUSTER_NODES: z.string().min(1).optional(),
    /** Sentinels (`host:port,…`) watching the master named REDIS_SENTINEL_NAME; instead of REDIS_URL. */
    REDIS_SENTINELS: z.string().min(1).optional(),
    REDIS_SENTINEL_NAME: z.string().min(1).optional(),
    /** Key prefix for every BullMQ queue; tests give each file its own. */
    QUEUE_PREFIX: z.string().min(1).default('almanac'),
    SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
    MAIL_FROM: z.email().default('almanac@localhost'),
    /** HS256 bearer tokens; outside production, unset: a development secret (unless AUTH_JWKS_URL is set). */
    AUTH_JWT_SECRET: z.string().min(1).optional(),
    /** An identity provider's JWK set: RS256/ES256/EdDSA tokens verified against its keys. */
    AUTH_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** The web console's sign-in: an OpenID Connect provider (authorization code with PKCE) and the console's client id there. */
    AUTH_OIDC_ISSUER: z.url({ protocol: /^https?$/ }).optional(),
    AUTH_OIDC_CLIENT_ID: z.string().min(1).optional(),
    /** What the console asks for; a provider that issues API tokens per scope (Entra ID: `api://<app>/…`) needs that scope here. */
    AUTH_OIDC_SCOPE: z.string().min(1).default('openid profile'),
    /** Checked when set: tokens must carry exactly this `iss` / have this among `aud`. */
    AUTH_JWT_ISSUER: z.string().min(1).optional(),
    AUTH_JWT_AUDIENCE: z.string().min(1).optional(),
    /** Where roles are in a token: a claim name, or a dotted path for providers that nest it (Keycloak: realm_access.roles). */
    AUTH_ROLES_CLAIM: z.string().min(1).default('roles'),
    /** After fetching the JWK set, no new fetch (for an unknown `kid`) for this long. */
    AUTH_JWKS_COOLDOWN_SECONDS: z.coerce.number().min(0).max(3600).default(30),
    /**
     * Wraps subscribers' data keys and keys the address hash, email links and idempotency
     * records; independent of the JWT secret. Outside production, unset: the development secret.
     */
    DATA_KEY_SECRET: z.string().min(32).optional(),
    PUBLIC_BASE_URL: z.url().optional(),
    /** Bearer token /metrics asks for when set. */
    METRICS_TOKEN: z.string().min(16).optional(),
    RATE_LIMIT_METRICS_PER_MINUTE: z.coerce.number().int().min(0).default(120),
    /** /metrics reads queue depths, projection lag and shared counters into a snapshot at most this often. */
    METRICS_SNAPSHOT_SECONDS: z.coerce.number().int().min(1).max(3600).default(15),
    /** How long an Idempotency-Key is remembered. */
    IDEMPOTENCY_TTL_HOURS: z.coerce
      .number()
      .min(1)
      .max(24 * 30)
      .default(24),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Comma-separated origins allowed by CORS; empty: no cross-origin browser access. */
    CORS_ORIGINS: z.string().default(''),
    /** Requests per minute per client address, shared across instances through Redis; 0 turns a limit off. */
    RATE_LIMIT_READS_PER_MINUTE: z.coerce.number().int().min(0).default(3000),
    RATE_LIMIT_SUBSCRIPTIONS_PER_MINUTE: z.coerce.number().int().min(0).default(20),
    RATE_LIMIT_LINKS_PER_MINUTE: z.coerce.number().int().min(0).default(600),
    /** Memory for finished pages of GET /v1/events per API process (exact: a page is reused only while the view is unchanged); 0 turns it off. */
    LIST_CACHE_MB: z.coerce.number().min(0).max(4096).default(32),
    /** The owner role's URL, for migrations; unset: DATABASE_URL's (a development superuser then provisions a runtime role). */
    DATABASE_MIGRATION_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    /** Ed25519 private key (PKCS#8 PEM) that signs transparency checkpoints; unset in development: generated once and kept. */
    CHECKPOINT_SIGNING_KEY: z.string().min(1).refine(isEd25519Pem, 'must be an Ed25519 private key in PKCS#8 PEM').optional(),
    /** Checkpoint origin line and key name; unset: the host of PUBLIC_BASE_URL + "/almanac". */
    CHECKPOINT_ORIGIN: z
      .string()
      .regex(/^[^\s+]+$/, 'must be non-empty, without spaces or "+"')
      .optional(),
    CHECKPOINT_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
    /** Comma-separated addresses that get a daily digest of the checkpoints issued. */
    AUDIT_CHECKPOINT_EMAILS: emailList,
    /** The language of the emails to AUDIT_CHECKPOINT_EMAILS and WEBHOOKS_ADMIN_EMAILS: one of the office's, or a tag of one (zh-CN). */
    ADMIN_EMAIL_LOCALE: z
      .string()
      .default('en')
      .refine((v) => knownLocale(v) !== null, `must be one of ${LOCALES.join(', ')} (or a tag of one, such as zh-CN)`),
    /** Webhook URLs may be http and reach loopback/private/link-local addresses (development, tests). Production refuses them otherwise. */
    WEBHOOKS_ALLOW_PRIVATE_NETWORKS: z.stringbool().default(false),
    /** Comma-separated addresses told by email when an endpoint is paused after its retry budget; empty: nobody. */
    WEBHOOKS_ADMIN_EMAILS: emailList,
    /** How long an endpoint keeps failing before it is paused (3 days). */
    WEBHOOKS_RETRY_BUDGET_SECONDS: z.coerce
      .number()
      .min(1)
      .default(3 * 24 * 3600),
    /** Waits between attempts after a failure, in seconds; the last one repeats. */
    WEBHOOKS_BACKOFF_SECONDS: z
      .string()
      .default('5,30,120,600,1800,3600')
      .transform((v, ctx) => {
        const list = v.split(',').map((s) => Number(s.trim()));
        if (!list.length || list.some((n) => !Number.isFinite(n) || n < 0)) ctx.addIssue({ code: 'custom', message: 'must be a comma-separated list of seconds' });
        return list;
      }),
    /** Days a webhook delivery attempt is kept for `GET …/deliveries`; older ones are deleted by the sweep. */
    WEBHOOKS_ATTEMPTS_RETENTION_DAYS: z.coerce.number().min(0.0001).max(3650).default(30),
    /** A delivery attempt that has no response within this is a failure. */
    WEBHOOKS_TIMEOUT_SECONDS: z.coerce.number().min(0.1).max(60).default(10),
    /** Connections the SMTP transport keeps open to SMTP_URL at most (messages go out over them side by side). */
    SMTP_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(100).default(10),
    /** Threads that build and send emails (nodemailer's MIME build and SMTP writes) beside the jobs' own; 0: the jobs' thread does it. */
    MAIL_THREADS: z.coerce.number().int().min(0).max(16).default(Math.min(4, availableParallelism())),
    /** Seconds a process gets to drain on SIGTERM before it exits anyway. */
    SHUTDOWN_TIMEOUT_SECONDS: z.coerce.number().min(1).max(60).default(9),
    /** Set by loadConfig: whether REDIS_URL was given (its default must not clash with a cluster or Sentinel). */
    REDIS_URL_SET: z.boolean().default(false),
  })
  .superRefine((c, ctx) => {
    redisChoice(c, ctx);
    if (c.NODE_ENV !== 'production') return;
    if (!c.CHECKPOINT_SIGNING_KEY) ctx.addIssue({ code: 'custom', path: ['CHECKPOINT_SIGNING_KEY'], message: 'is required when NODE_ENV=production (an Ed25519 PKCS#8 PEM private key)' });
    if (!c.SMTP_URL) ctx.addIssue({ code: 'custom', path: ['SMTP_URL'], message: 'is required when NODE_ENV=production (the development mailbox is off)' });
    if (!c.PUBLIC_BASE_URL) ctx.addIssue({ code: 'custom', path: ['PUBLIC_BASE_URL'], message: 'is required when NODE_ENV=production (every link in every email starts with it)' });
    if (!c.DATA_KEY_SECRET)
      ctx.addIssue({
        code: 'custom',
        path: ['DATA_KEY_SECRET'],
        message: "must be set to at least 32 characters when NODE_ENV=production (it protects subscribers' data; keep it apart from AUTH_JWT_SECRET)",
      });
    else if (c.DATA_KEY_SECRET === DEV_JWT_SECRET || c.DATA_KEY_SECRET === c.AUTH_JWT_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['DATA_KEY_SECRET'], message: 'must differ from AUTH_JWT_SECRET and the development secret when NODE_ENV=production' });
    }
    if (c.AUTH_JWKS_URL?.startsWith('http:')) {
      ctx.addIssue({ code: 'custom', path: ['AUTH_JWKS_URL'], message: 'must be https when NODE_ENV=production (whoever can alter the keys can mint tokens)' });
    }
    if (c.AUTH_OIDC_ISSUER?.startsWith('http:')) {
      ctx.addIssue({ code: 'custom', path: ['AUTH_OIDC_ISSUER'], message: 'must be https when NODE_ENV=production (the console fetches its endpoints and exchanges codes there)' });
    }
    const secret = c.AUTH_JWT_SECRET;
    if (secret !== undefined && (secret === DEV_JWT_SECRET || secret.length < 32)) {
      ctx.addIssue({ code: 'custom', path: ['AUTH_JWT_SECRET'], message: 'must be at least 32 characters when NODE_ENV=production' });
    } else if (secret === undefined && !c.AUTH_JWKS_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH_JWT_SECRET'],
        message: "or AUTH_JWKS_URL is required when NODE_ENV=production: set a secret of at least 32 characters, or an identity provider's JWK set",
      });
    }
  });

/** A PEM given in one line (`\n` escaped, as some secret stores do) is accepted too. */
export const checkpointKeyPem = (value: string): string => value.replace(/\\n/g, '\n');

function isEd25519Pem(value: string): boolean {
  try {
    return createPrivateKey(checkpointKeyPem(value)).asymmetricKeyType === 'ed25519';
  } catch {
    return false;
  }
}

/** One Redis topology, named completely: a wrong combination is one issue naming the variables. */
function redisChoice(c: { REDIS_URL?: string; REDIS_CLUSTER_NODES?: string; REDIS_SENTINELS?: string; REDIS_SENTINEL_NAME?: string; REDIS_URL_SET?: boolean }, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  if (c.REDIS_CLUSTER_NODES && (c.REDIS_SENTINELS || c.REDIS_SENTINEL_NAME))
    return issue('REDIS_CLUSTER_NODES', "and REDIS_SENTINELS/REDIS_SENTINEL_NAME are exclusive: set a cluster's nodes or Sentinel, not both");
  if (c.REDIS_SENTINELS && !c.REDIS_SENTINEL_NAME) return issue('REDIS_SENTINELS', "needs REDIS_SENTINEL_NAME (the master's name the sentinels monitor)");
  if (c.REDIS_SENTINEL_NAME && !c.REDIS_SENTINELS) return issue('REDIS_SENTINEL_NAME', 'needs REDIS_SENTINELS (host:port,…)');
  const other = c.REDIS_CLUSTER_NODES ? 'REDIS_CLUSTER_NODES' : c.REDIS_SENTINELS ? 'REDIS_SENTINELS' : undefined;
  if (other && c.REDIS_URL_SET) return issue('REDIS_URL', `and ${other} are exclusive: unset REDIS_URL (${other} replaces it)`);
  for (const name of ['REDIS_CLUSTER_NODES', 'REDIS_SENTINELS'] as const) {
    const list = c[name];
    if (!list) continue;
    try {
      parseRedisNodes(list);
    } catch (err) {
      issue(name, (err as Error).message);
    }
  }
}

type Parsed = z.infer<typeof schema>;
export type AppConfig = Readonly<Omit<Parsed, 'DATA_KEY_SECRET' | 'REDIS_URL_SET'> & { PUBLIC_BASE_URL: string; DATA_KEY_SECRET: string }>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Validates the environment once; a bad value stops start-up with one line naming it. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const raw = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse({ ...raw, REDIS_URL_SET: raw.REDIS_URL !== undefined });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`);
    throw new ConfigError(`invalid configuration: ${lines.join('; ')}`);
  }
  const { REDIS_URL_SET: _set, ...c } = parsed.data;
  // Outside production only (production refused the gaps above): defaults that work. Without a
  // JWK set the development secret verifies tokens; with one, HS256 is off unless a secret is set.
  // DATA_KEY_SECRET falls back to the JWT secret so data written before it existed stays readable.
  const jwtSecret = c.AUTH_JWT_SECRET ?? (c.AUTH_JWKS_URL ? undefined : DEV_JWT_SECRET);
  return Object.freeze({
    ...c,
    DATABASE_URL: withDefaultUser(c.DATABASE_URL, env),
    ...(c.DATABASE_READ_URL ? { DATABASE_READ_URL: withDefaultUser(c.DATABASE_READ_URL, env) } : {}),
    AUTH_JWT_SECRET: jwtSecret,
    DATA_KEY_SECRET: c.DATA_KEY_SECRET ?? jwtSecret ?? DEV_JWT_SECRET,
    PUBLIC_BASE_URL: (c.PUBLIC_BASE_URL ?? `http://localhost:${c.PORT}`).replace(/\/$/, ''),
  });
}

/**
 * A database URL that names no user connects as PGUSER, else USER, else `postgres` — the URL
 * carries the user so every client (pool, LISTEN, CLI, psql) connects as the same role.
 */
export function withDefaultUser(url: string, env: NodeJS.ProcessEnv = process.env): string {
  const u = new URL(url);
  if (u.username) return url;
  u.username = encodeURIComponent(env.PGUSER || env.USER || 'postgres');
  return u.toString();
}

/** The URL without its password, for logs and messages. */
export function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

export const APP_CONFIG = Symbol('APP_CONFIG');
