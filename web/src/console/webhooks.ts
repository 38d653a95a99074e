import { api, problemText } from '../shared/api';
import { field, h, replace } from '../shared/dom';
import type { I18n } from '../shared/i18n';
import type { Session } from './session';

interface Endpoint {
  id: string;
  url: string;
  eventTypes: string[];
  description: string | null;
  status: 'active' | 'paused';
  pausedReason: string | null;
  cursor: { position: string };
  failingSince: string | null;
  failedAttempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
}

interface Attempt {
  id: string;
  eventId: string;
  position: string;
  eventType: string;
  attempt: number;
  ok: boolean;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  attemptedAt: string;
}

/**
 * Webhook endpoints (GET /v1/admin/webhooks): registration (URL and event types), status, cursor
 * and failures, pause and resume (PATCH status), secret rotation, and each endpoint's delivery
 * attempts, newest first, paged back with `before`, each redeliverable (replay from just before
 * it). A secret is shown once, as the API returns it once.
 */
export function webhooksPanel(i18n: I18n, session: Session): HTMLElement {
  const { t } = i18n;
  const when = (iso: string) => new Date(iso).toLocaleString(i18n.formatLocale, { dateStyle: 'medium', timeStyle: 'medium' });
  const body = h('div', { id: 'webhooks' });
  const status = h('p', { id: 'webhooks-status', role: 'status' });
  const attempts = h('div', { id: 'webhook-deliveries', 'aria-live': 'polite' });
  const secret = h('div', { id: 'webhook-secret' });
  const showSecret = (text: string, value: string) => replace(secret, h('p', { class: 'ok' }, text), h('code', { id: 'webhook-secret-value' }, value));
  const fail = (text: string) => {
    status.className = 'error';
    status.textContent = text;
  };

  const url = h('input', { type: 'url', name: 'url', required: true, placeholder: 'https://' });
  const types = h('input', { type: 'text', name: 'eventTypes', placeholder: 'EventScheduled, EventCancelled' });
  const register = h(
    'form',
    { id: 'webhook-register', 'aria-labelledby': 'webhook-register-h' },
    h('h3', { id: 'webhook-register-h' }, t('webhooks.register')),
    field(t('webhooks.url'), url),
    field(t('webhooks.types'), types, t('webhooks.typesHint')),
    h('button', { type: 'submit' }, t('webhooks.add')),
  );
  register.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const eventTypes = types.value
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
    void api<Endpoint & { secret: string }>('POST', '/v1/admin/webhooks', { token: session.token, body: { url: url.value.trim(), eventTypes } }).then(async (r) => {
      if (!r.ok) return fail(problemText(r.problem));
      status.className = '';
      status.textContent = '';
      register.reset();
      showSecret(t('webhooks.registered', { url: r.body.url }), r.body.secret);
      await load();
    });
  });

  const load = async () => {
    const r = await api<{ items: Endpoint[] }>('GET', '/v1/admin/webhooks', { token: session.token });
    if (!r.ok) return replace(body, h('p', { class: 'error', role: 'alert' }, problemText(r.problem)));
    if (!r.body.items.length) return replace(body, h('p', {}, t('webhooks.none')));
    replace(
      body,
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            [t('webhooks.url'), t('webhooks.types'), t('diff.status'), t('webhooks.cursor'), t('webhooks.failures'), t('audit.actions')].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h(
          'tbody',
          {},
          r.body.items.map((e) =>
            h(
              'tr',
              { 'data-webhook-id': e.id, 'data-status': e.status },
              h('td', {}, h('code', {}, e.url), e.description ? h('div', {}, h('small', {}, e.description)) : null),
              h('td', {}, e.eventTypes.length ? e.eventTypes.join(', ') : t('webhooks.allTypes')),
              h('td', { class: e.status === 'paused' ? 'error' : 'ok' }, t(`webhooks.status.${e.status}`), e.pausedReason ? h('div', {}, h('small', {}, e.pausedReason)) : null),
              h('td', {}, e.cursor.position),
              h(
                'td',
                {},
                e.failedAttempts
                  ? [
                      t('webhooks.failing', { count: e.failedAttempts, since: e.failingSince ? when(e.failingSince) : '?' }),
                      e.lastError ? h('div', {}, h('small', {}, e.lastError)) : null,
                      e.nextAttemptAt ? h('div', {}, h('small', {}, t('webhooks.next', { when: when(e.nextAttemptAt) }))) : null,
                    ]
                  : '—',
              ),
              h(
                'td',
                {},
                h(
                  'div',
                  { class: 'row' },
                  h('button', { type: 'button', class: 'secondary', 'data-action': 'deliveries', onclick: () => void showAttempts(e, null) }, t('webhooks.deliveries')),
                  h(
                    'button',
                    { type: 'button', class: 'secondary', 'data-action': e.status === 'active' ? 'pause' : 'resume', onclick: () => void setStatus(e, e.status === 'active' ? 'paused' : 'active') },
                    e.status === 'active' ? t('webhooks.pause') : t('webhooks.resume'),
                  ),
                  h('button', { type: 'button', class: 'secondary', 'data-action': 'rotate', onclick: () => void rotate(e) }, t('webhooks.rotate')),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  };

  const setStatus = async (e: Endpoint, to: 'active' | 'paused') => {
    const r = await api<Endpoint>('PATCH', `/v1/admin/webhooks/${encodeURIComponent(e.id)}`, { token: session.token, body: { status: to } });
    status.className = r.ok ? 'ok' : 'error';
    status.textContent = r.ok ? t(to === 'paused' ? 'webhooks.paused' : 'webhooks.resumed', { url: e.url }) : problemText(r.problem);
    await load();
  };

  const rotate = async (e: Endpoint) => {
    const r = await api<Endpoint & { secret: string }>('POST', `/v1/admin/webhooks/${encodeURIComponent(e.id)}/rotate-secret`, { token: session.token });
    if (!r.ok) return fail(problemText(r.problem));
    showSecret(t('webhooks.rotated', { url: e.url }), r.body.secret);
  };

  /** The API replays the events after `fromPosition`: one before the attempt's, so it is sent again (and those after it, in order). */
  const redeliver = async (e: Endpoint, a: Attempt) => {
    const fromPosition = (BigInt(a.position) - 1n).toString();
    const r = await api<Endpoint>('POST', `/v1/admin/webhooks/${encodeURIComponent(e.id)}/replay`, { token: session.token, body: { fromPosition } });
    if (!r.ok) return fail(problemText(r.problem));
    status.className = 'ok';
    status.textContent = t('webhooks.replaying', { url: e.url, position: a.position });
    await load();
  };

  const showAttempts = async (e: Endpoint, before: string | null) => {
    const q = new URLSearchParams({ limit: '50' });
    if (before) q.set('before', before);
    const r = await api<{ items: Attempt[]; nextBefore: string | null }>('GET', `/v1/admin/webhooks/${encodeURIComponent(e.id)}/deliveries?${q}`, { token: session.token });
    if (!r.ok) return replace(attempts, h('p', { class: 'error', role: 'alert' }, problemText(r.problem)));
    const nextBefore = r.body.nextBefore;
    replace(
      attempts,
      h('h3', { id: 'webhook-deliveries-h' }, t('webhooks.deliveriesOf', { url: e.url })),
      r.body.items.length
        ? h(
            'table',
            { 'aria-labelledby': 'webhook-deliveries-h' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                [t('webhooks.attemptedAt'), t('audit.position'), t('audit.type'), t('webhooks.attempt'), t('webhooks.outcome'), t('webhooks.duration'), t('webhooks.error'), t('audit.actions')].map(
                  (c) => h('th', { scope: 'col' }, c),
                ),
              ),
            ),
            h(
              'tbody',
              { id: 'webhook-attempts' },
              r.body.items.map((a) =>
                h(
                  'tr',
                  { 'data-position': a.position, 'data-ok': String(a.ok) },
                  h('td', { title: a.attemptedAt }, when(a.attemptedAt)),
                  h('td', {}, a.position),
                  h('td', {}, a.eventType),
                  h('td', {}, a.attempt),
                  h('td', { class: a.ok ? 'ok' : 'error' }, a.statusCode === null ? t('webhooks.noAnswer') : String(a.statusCode)),
                  h('td', {}, `${a.durationMs} ms`),
                  h('td', {}, a.error ?? '—'),
                  h('td', {}, h('button', { type: 'button', class: 'secondary', 'data-action': 'redeliver', onclick: () => void redeliver(e, a) }, t('webhooks.redeliver'))),
                ),
              ),
            ),
          )
        : h('p', {}, t('webhooks.noDeliveries')),
      nextBefore ? h('button', { type: 'button', class: 'secondary', id: 'webhook-deliveries-older', onclick: () => void showAttempts(e, nextBefore) }, t('webhooks.older')) : null,
    );
  };

  void load();
  return h(
    'section',
    { class: 'panel', id: 'webhooks-panel', 'aria-labelledby': 'webhooks-h' },
    h('h2', { id: 'webhooks-h' }, t('webhooks.heading')),
    h('button', { type: 'button', class: 'secondary', id: 'webhooks-reload', onclick: () => void load() }, t('webhooks.reload')),
    status,
    register,
    secret,
    body,
    attempts,
  );
}
