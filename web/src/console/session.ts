import { InMemoryWebStorage, UserManager, WebStorageStateStore, type User } from 'oidc-client-ts';
import { api } from '../shared/api';

/**
 * Who is signed in. The token lives in this module's memory only — never in localStorage or
 * sessionStorage, where any script that runs on the origin could read it. A reload (or a
 * language change) loses it; the tab then signs in again without a prompt: through the
 * provider's own session (a `prompt=none` redirect) or, in development, by picking the same role
 * again. All this tab keeps across a reload is which of the two it used (`Resume`), no secret.
 * With a provider that issues a refresh token (also kept in memory only), the access token is
 * renewed before it expires, in place: every panel reads `session.token` when it sends.
 */
export interface Session {
  token: string;
  sub: string;
  roles: string[];
}

export interface Settings {
  devSignIn: boolean;
  oidc: { issuer: string; clientId: string; scope: string } | null;
}

type Resume = { kind: 'dev'; role: string; sub?: string } | { kind: 'oidc' };

const RESUME_KEY = 'almanac.console.resume';
let current: Session | null = null;
let idToken: string | undefined;
let renewal: ReturnType<typeof setTimeout> | undefined;
let expiry: ReturnType<typeof setTimeout> | undefined;
let ended: (() => void) | undefined;

export function currentSession(): Session | null {
  if (!current) return null;
  const exp = claims(current.token).exp;
  if (typeof exp === 'number' && exp * 1000 < Date.now()) return null;
  return current;
}

export function resumeHint(): Resume | null {
  try {
    return JSON.parse(sessionStorage.getItem(RESUME_KEY) ?? 'null') as Resume | null;
  } catch {
    return null;
  }
}

function keep(s: Session, resume: Resume): Session {
  current = s;
  watchExpiry(s.token);
  sessionStorage.setItem(RESUME_KEY, JSON.stringify(resume));
  return s;
}

/**
 * Called once when the session's token expires without a renewed one in its place (a provider
 * that refused the refresh token, none issued, a development token past its life): the page
 * says so, rather than letting every panel fail with 401.
 */
export function onSessionEnded(listener: () => void): void {
  ended = listener;
}

function watchExpiry(token: string): void {
  clearTimeout(expiry);
  const exp = claims(token).exp;
  if (typeof exp !== 'number') return;
  // setTimeout holds at most 2^31 - 1 ms; a longer-lived token is looked at again then.
  const wait = Math.min(Math.max(0, exp * 1000 - Date.now()), 2 ** 31 - 1);
  expiry = setTimeout(() => {
    if (current?.token !== token) return;
    if (exp * 1000 > Date.now()) return watchExpiry(token);
    ended?.();
  }, wait);
}

/** Forgets the token and the resume hint; with a provider, also ends its session (a redirect). */
export async function signOut(settings: Settings): Promise<void> {
  const hint = idToken;
  clearTimeout(renewal);
  clearTimeout(expiry);
  current = null;
  idToken = undefined;
  const wasOidc = resumeHint()?.kind === 'oidc';
  sessionStorage.removeItem(RESUME_KEY);
  if (wasOidc && settings.oidc) return manager(settings.oidc).signoutRedirect({ id_token_hint: hint });
  location.assign('/console');
}

/** The JWT's payload, for the expiry only: the API verifies the signature. */
export function claims(token: string): Record<string, unknown> {
  const part = token.split('.')[1] ?? '';
  const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as Record<string, unknown>;
}

export async function devSignIn(role: string, sub?: string): Promise<Session> {
  const r = await api<Session>('POST', '/console/dev-sign-in', { body: { role, ...(sub ? { sub } : {}) } });
  if (!r.ok) throw new Error(r.problem?.detail ?? `HTTP ${r.status}`);
  return keep(r.body, { kind: 'dev', role, ...(sub ? { sub } : {}) });
}

let managers: { key: string; manager: UserManager } | undefined;

/** One manager per page: its in-memory user store holds the refresh token between renewals. */
function manager(oidc: NonNullable<Settings['oidc']>): UserManager {
  const key = JSON.stringify(oidc);
  if (managers?.key !== key) managers = { key, manager: createManager(oidc) };
  return managers.manager;
}

function createManager(oidc: NonNullable<Settings['oidc']>): UserManager {
  return new UserManager({
    authority: oidc.issuer,
    client_id: oidc.clientId,
    redirect_uri: `${location.origin}/console/callback`,
    post_logout_redirect_uri: `${location.origin}/console`,
    response_type: 'code', // PKCE with S256: oidc-client-ts's default for the code flow
    scope: oidc.scope,
    // Tokens in memory only. The state store holds the PKCE verifier and nonce between the
    // redirect and the callback (it must outlive the page); the callback removes them.
    userStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
    stateStore: new WebStorageStateStore({ store: sessionStorage }),
    // No hidden iframe (the CSP allows no frames): renewal uses the refresh token when the
    // provider issues one (see scheduleRenewal); without one, by the next reload, through the
    // provider's session. The library's own timer is off: its fixed 60 s margin would renew a
    // short-lived token every second.
    automaticSilentRenew: false,
    monitorSession: false,
    loadUserInfo: false,
  });
}

/** To the provider; `silent` asks it not to show anything (`prompt=none`) and to fail instead. */
export function oidcSignIn(oidc: NonNullable<Settings['oidc']>, silent = false): Promise<void> {
  return manager(oidc).signinRedirect({ url_state: `${location.pathname}${location.search}`, ...(silent ? { prompt: 'none' } : {}) });
}

/**
 * Back from the provider: exchange the code (with the PKCE verifier) for tokens, then ask the
 * API who the access token names — it reads the roles from the claim it is configured with,
 * so the console shows what the API will allow. Returns the page the sign-in started from.
 */
export async function oidcCallback(oidc: NonNullable<Settings['oidc']>): Promise<{ session: Session; returnTo: string }> {
  const user = await manager(oidc).signinRedirectCallback();
  const me = await api<{ sub: string; roles: string[] }>('GET', '/console/me', { token: user.access_token });
  if (!me.ok) throw new Error(me.problem?.detail ?? `HTTP ${me.status}`);
  idToken = user.id_token;
  scheduleRenewal(oidc, user);
  const returnTo = user.url_state?.startsWith('/console') ? user.url_state : '/console';
  return { session: keep({ token: user.access_token, sub: me.body.sub, roles: me.body.roles }, { kind: 'oidc' }), returnTo };
}

/**
 * Before the access token expires — a minute before, or after two thirds of its life when it
 * lives less than three minutes — trade the refresh token for a new one (oidc-client-ts's
 * refresh grant; the provider may rotate the refresh token too) and put it into the session the
 * panels hold. A failed renewal leaves the token to expire: the page then says the session has
 * ended and offers to sign in again (onSessionEnded).
 */
function scheduleRenewal(oidc: NonNullable<Settings['oidc']>, user: User): void {
  clearTimeout(renewal);
  const lifetime = user.expires_in;
  if (!user.refresh_token || lifetime === undefined) return;
  const delay = Math.max(lifetime - 60, (lifetime * 2) / 3) * 1000;
  renewal = setTimeout(() => {
    void manager(oidc)
      .signinSilent()
      .then((renewed) => {
        if (!renewed || !current) return;
        current.token = renewed.access_token;
        watchExpiry(renewed.access_token);
        if (renewed.id_token) idToken = renewed.id_token;
        scheduleRenewal(oidc, renewed);
      })
      .catch(() => undefined);
  }, delay);
}

/** A `prompt=none` attempt the provider could not honour (no session there): not an error to show. */
export function needsInteraction(e: unknown): boolean {
  const code = (e as { error?: unknown } | null)?.error;
  return code === 'login_required' || code === 'interaction_required' || code === 'consent_required' || code === 'account_selection_required';
}

export function forgetResume(): void {
  sessionStorage.removeItem(RESUME_KEY);
}
