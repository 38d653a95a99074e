import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AppConfig } from '../../../config/config';

/** Where scripts/build.mjs puts the Vite build: dist/web, beside the compiled back end. */
export const WEB_ROOT = resolve(__dirname, '../../../web');

export const webBuilt = (): boolean => existsSync(join(WEB_ROOT, 'index.html'));

/**
 * The pages' policy: scripts only from this origin (no inline script, no eval); styles may be
 * inline because the calendar component injects its own. The console may also talk to the
 * identity provider (discovery, token endpoint).
 */
export function pageCsp(config: AppConfig): string {
  const connect = ["'self'"];
  if (config.AUTH_OIDC_ISSUER) connect.push(new URL(config.AUTH_OIDC_ISSUER).origin);
  const directives = [
    "default-src 'self'",
    "base-uri 'self'",
    "script-src 'self'",
    "script-src-attr 'none'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    `connect-src ${connect.join(' ')}`,
    "object-src 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ];
  if (config.PUBLIC_BASE_URL?.startsWith('https:')) directives.push('upgrade-insecure-requests');
  return directives.join('; ');
}

/** What the console needs to know before it signs anyone in; nothing secret. */
export interface ConsoleSettings {
  devSignIn: boolean;
  oidc: { issuer: string; clientId: string; scope: string } | null;
}

export function consoleSettings(config: AppConfig): ConsoleSettings {
  const oidc = config.AUTH_OIDC_ISSUER && config.AUTH_OIDC_CLIENT_ID ? { issuer: config.AUTH_OIDC_ISSUER, clientId: config.AUTH_OIDC_CLIENT_ID, scope: config.AUTH_OIDC_SCOPE } : null;
  // The role picker mints tokens with the shared secret: development and tests only.
  return { devSignIn: config.NODE_ENV !== 'production' && !!config.AUTH_JWT_SECRET, oidc };
}
