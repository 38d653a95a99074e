import '../shared/styles.css';
import { api } from '../shared/api';
import { h, replace } from '../shared/dom';
import { createI18n, pickLocale } from '../shared/i18n';
import { languagePicker } from '../shared/shell';
import { adminPanel } from './admin';
import { auditPanels } from './audit';
import { checkpointPanel } from './checkpoint';
import { deliveriesPanel } from './deliveries';
import { desk } from './desk';
import { historyPanel } from './history';
import { devSignIn, forgetResume, needsInteraction, oidcCallback, oidcSignIn, onSessionEnded, resumeHint, signOut, type Session, type Settings } from './session';
import { webhooksPanel } from './webhooks';

const i18n = createI18n(pickLocale(location.search, navigator.languages), navigator.languages);
const { t } = i18n;
document.documentElement.lang = i18n.locale;
document.title = t('console.title');
const root = document.getElementById('app')!;

function header(settings: Settings, session: Session | null): HTMLElement {
  return h(
    'header',
    { class: 'top' },
    h('a', { href: '/console', class: 'brand' }, t('console.title')),
    h(
      'nav',
      { 'aria-label': 'console' },
      h('a', { href: '/' }, t('nav.calendar')),
      session
        ? [
            h('span', { id: 'signed-in' }, t('console.signedInAs', { sub: session.sub, roles: session.roles.join(', ') })),
            h(
              'button',
              {
                type: 'button',
                class: 'secondary',
                onclick: () => void signOut(settings),
              },
              t('console.signOut'),
            ),
          ]
        : null,
      languagePicker(i18n),
    ),
  );
}

function signInPage(settings: Settings, failure = ''): void {
  const error = h('p', { class: 'error', role: 'alert' }, failure);
  const sub = h('input', { type: 'text', id: 'dev-sub', placeholder: 'alice', autocomplete: 'username' });
  const roles = ['staff', 'auditor', 'admin'] as const;
  replace(
    root,
    header(settings, null),
    h(
      'main',
      {},
      h('h1', {}, t('console.signIn')),
      settings.oidc
        ? h('button', { type: 'button', id: 'oidc-sign-in', onclick: () => void oidcSignIn(settings.oidc!).catch((e: Error) => (error.textContent = e.message)) }, t('console.signInOidc'))
        : null,
      settings.devSignIn
        ? h(
            'section',
            { class: 'panel', 'aria-labelledby': 'dev-h' },
            h('h2', { id: 'dev-h' }, t('console.devSignIn')),
            h('label', { for: 'dev-sub' }, t('console.subject')),
            ' ',
            sub,
            h(
              'div',
              { class: 'row' },
              roles.map((r) =>
                h(
                  'button',
                  {
                    type: 'button',
                    'data-role': r,
                    onclick: () => {
                      devSignIn(r, sub.value || undefined).then(
                        (session) => showConsole(settings, session),
                        (e: Error) => (error.textContent = e.message),
                      );
                    },
                  },
                  t(`console.role.${r}`),
                ),
              ),
            ),
          )
        : null,
      !settings.oidc && !settings.devSignIn ? h('p', {}, t('console.noSignIn')) : null,
      error,
    ),
  );
}

function showConsole(settings: Settings, session: Session): void {
  const sections: HTMLElement[] = [];
  if (session.roles.includes('staff')) sections.push(desk(i18n, session));
  const eventId = new URLSearchParams(location.search).get('history');
  if (session.roles.includes('auditor')) {
    const input = h('input', { type: 'text', id: 'history-id', value: eventId ?? '', 'aria-label': 'event id' });
    const slot = h('div');
    const form = h('form', { class: 'row', id: 'history-form' }, input, h('button', { type: 'submit' }, t('desk.history')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void historyPanel(i18n, session, input.value.trim()).then((p) => replace(slot, p));
    });
    const audit = auditPanels(i18n, session, (id) => {
      input.value = id;
      void historyPanel(i18n, session, id).then((p) => (replace(slot, p), slot.scrollIntoView()));
    });
    sections.push(h('section', { id: 'auditor' }, h('h1', {}, t('desk.history')), form, slot, audit.calendar, audit.log, checkpointPanel(i18n, session)));
    if (eventId) void historyPanel(i18n, session, eventId).then((p) => replace(slot, p));
  }
  if (session.roles.includes('admin')) sections.push(adminPanel(i18n, session), deliveriesPanel(i18n, session), webhooksPanel(i18n, session));
  const main = h('main', {}, sections);
  replace(root, header(settings, session), main);
  onSessionEnded(() => main.prepend(sessionEnded(settings)));
}

/**
 * The token expired and could not be renewed. Signing in again returns to this page: through the
 * provider (its own session may let it through without a prompt), or, in development, a reload
 * that picks the same role again. What is typed on the page is lost either way.
 */
function sessionEnded(settings: Settings): HTMLElement {
  const again = (): void => {
    if (resumeHint()?.kind === 'oidc' && settings.oidc) void oidcSignIn(settings.oidc);
    else location.reload();
  };
  return h(
    'div',
    { id: 'session-ended', class: 'panel error', role: 'alert' },
    h('p', {}, t('console.sessionEnded')),
    h('button', { type: 'button', id: 'sign-in-again', onclick: again }, t('console.signInAgain')),
  );
}

/** The token lives in memory (see session.ts): a reload signs in again the way this tab did before. */
async function main(): Promise<void> {
  const settings = (await api<Settings>('GET', '/console/settings.json')).body;
  if (location.pathname === '/console/callback' && settings.oidc) {
    try {
      const { session, returnTo } = await oidcCallback(settings.oidc);
      history.replaceState(null, '', returnTo); // the code and state leave the address bar and history
      return showConsole(settings, session);
    } catch (e) {
      forgetResume();
      history.replaceState(null, '', '/console');
      return signInPage(settings, needsInteraction(e) ? '' : (e as Error).message);
    }
  }
  const hint = resumeHint();
  if (hint?.kind === 'oidc' && settings.oidc) return oidcSignIn(settings.oidc, true);
  if (hint?.kind === 'dev' && settings.devSignIn) {
    const session = await devSignIn(hint.role, hint.sub).catch(() => null);
    if (session) return showConsole(settings, session);
  }
  forgetResume();
  signInPage(settings);
}

void main();
