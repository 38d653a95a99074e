import { UserManager, WebStorageStateStore } from 'oidc-client-ts';
import { api } from '../shared/api';

/**
 * Who is signed in. The token lives in this tab's sessionStorage (gone when the tab closes),
 * never in localStorage; the API takes bearer tokens only, so an httpOnly cookie would need a
 * cookie-reading, CSRF-guarded path in the API first.
 */
export interface Session {
  token: string;
  sub: string;
  roles: string[];
}

export interface Settings {
  devSignIn: boolean;
  oidc: { issuer: string; clientId: string } | null;
}

const KEY = 'almanac.console.session';

export function currentSession(): Session | null {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return null;
  try {
    const s = JSON.parse(raw) as Session;
    const exp = claims(s.token).exp;
    if (typeof exp === 'number' && exp * 1000 < Date.now()) return null;
    return s;
  } catch {
    return null;
  }
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
}

function keep(s: Session): Session {
  sessionStorage.setItem(KEY, JSON.stringify(s));
  return s;
}

/** The JWT's payload, for display only: the API verifies the signature. */
export function claims(token: string): Record<string, unknown> {
  const part = token.split('.')[1] ?? '';
  const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as Record<string, unknown>;
}

export async function devSignIn(role: string, sub?: string): Promise<Session> {
  const r = await api<Session>('POST', '/console/dev-sign-in', { body: { role, ...(sub ? { sub } : {}) } });
  if (!r.ok) throw new Error(r.problem?.detail ?? `HTTP ${r.status}`);
  return keep(r.body);
}

function manager(oidc: NonNullable<Settings['oidc']>): UserManager {
  return new UserManager({
    authority: oidc.issuer,
    client_id: oidc.clientId,
    redirect_uri: `${location.origin}/console/callback`,
    post_logout_redirect_uri: `${location.origin}/console`,
    response_type: 'code', // with PKCE, oidc-client-ts's default for the code flow
    scope: 'openid profile',
    userStore: new WebStorageStateStore({ store: sessionStorage }),
  });
}

export function oidcSignIn(oidc: NonNullable<Settings['oidc']>): Promise<void> {
  return manager(oidc).signinRedirect();
}

/** Back from the provider: exchange the code (PKCE verifier kept by oidc-client-ts) for tokens. */
export async function oidcCallback(oidc: NonNullable<Settings['oidc']>): Promise<Session> {
  const user = await manager(oidc).signinRedirectCallback();
  const c = claims(user.access_token);
  const roles = Array.isArray(c.roles) ? c.roles.filter((r): r is string => typeof r === 'string') : [];
  return keep({ token: user.access_token, sub: String(c.sub ?? user.profile.sub), roles });
}
