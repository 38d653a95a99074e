import { z } from 'zod';

/** Development-only defaults so `npm start` works on a fresh machine; production refuses them. */
const DEV_JWT_SECRET = 'almanac-development-secret-do-not-use-in-production';

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).default('postgres://localhost:5432/almanac'),
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
    /** Key prefix for every BullMQ queue; tests give each file its own. */
    QUEUE_PREFIX: z.string().min(1).default('almanac'),
    SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
    MAIL_FROM: z.email().default('almanac@localhost'),
    AUTH_JWT_SECRET: z.string().min(1).default(DEV_JWT_SECRET),
    /** Wraps subscribers' data keys and keys the address hash and email links; unset: derived from AUTH_JWT_SECRET. */
    DATA_KEY_SECRET: z.string().min(32).optional(),
    PUBLIC_BASE_URL: z.url().optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Comma-separated origins allowed by CORS; empty: no cross-origin browser access. */
    CORS_ORIGINS: z.string().default(''),
    /** Requests per minute per client address, shared across instances through Redis; 0 turns a limit off. */
    RATE_LIMIT_READS_PER_MINUTE: z.coerce.number().int().min(0).default(3000),
    RATE_LIMIT_SUBSCRIPTIONS_PER_MINUTE: z.coerce.number().int().min(0).default(20),
    RATE_LIMIT_LINKS_PER_MINUTE: z.coerce.number().int().min(0).default(600),
    /** Memory for finished pages of GET /v1/events per API process (exact: a page is reused only while the view is unchanged); 0 turns it off. */
    LIST_CACHE_MB: z.coerce.number().min(0).max(4096).default(32),
    /** Seconds a process gets to drain on SIGTERM before it exits anyway. */
    SHUTDOWN_TIMEOUT_SECONDS: z.coerce.number().min(1).max(60).default(9),
  })
  .superRefine((c, ctx) => {
    if (c.NODE_ENV !== 'production') return;
    if (!c.SMTP_URL) ctx.addIssue({ code: 'custom', path: ['SMTP_URL'], message: 'is required when NODE_ENV=production (the development mailbox is off)' });
    if (c.AUTH_JWT_SECRET === DEV_JWT_SECRET || c.AUTH_JWT_SECRET.length < 32) {
      ctx.addIssue({ code: 'custom', path: ['AUTH_JWT_SECRET'], message: 'must be set to at least 32 characters when NODE_ENV=production' });
    }
  });

export type AppConfig = Readonly<z.infer<typeof schema> & { PUBLIC_BASE_URL: string }>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Validates the environment once; a bad value stops start-up with one line naming it. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const raw = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`);
    throw new ConfigError(`invalid configuration: ${lines.join('; ')}`);
  }
  const c = parsed.data;
  return Object.freeze({ ...c, PUBLIC_BASE_URL: (c.PUBLIC_BASE_URL ?? `http://localhost:${c.PORT}`).replace(/\/$/, '') });
}

export const APP_CONFIG = Symbol('APP_CONFIG');
