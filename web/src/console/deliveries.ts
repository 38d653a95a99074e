import { api, problemText } from '../shared/api';
import { field, h, replace } from '../shared/dom';
import type { I18n } from '../shared/i18n';
import type { Session } from './session';

interface Delivery {
  deliveryKey: string;
  kind: string;
  subscriptionId: string;
  eventId: string | null;
  leadTime: string | null;
  start: string | null;
  status: 'pending' | 'sending' | 'sent' | 'failed' | 'skipped';
  reason: string | null;
  reasonCode: string | null;
  attempts: number;
  messageId: string | null;
  createdAt: string;
  updatedAt: string;
  sentAt: string | null;
}

/**
 * "Why did this person get, or not get, this email": the deliveries of an address and/or an
 * event (GET /v1/admin/deliveries), each with its outcome and, when nothing was sent, why; a
 * failed one can be sent again (POST …/deliveries/:key/retry). No row at all is an answer too:
 * nothing was ever queued. Without a filter: the latest deliveries.
 */
export function deliveriesPanel(i18n: I18n, session: Session): HTMLElement {
  const { t } = i18n;
  const when = (iso: string) => new Date(iso).toLocaleString(i18n.formatLocale, { dateStyle: 'medium', timeStyle: 'medium' });
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'off' });
  const eventId = h('input', { type: 'text', name: 'eventId', autocomplete: 'off', pattern: '[0-9a-fA-F-]{36}' });
  const body = h('div', { id: 'deliveries-result', 'aria-live': 'polite' });
  const status = h('p', { id: 'deliveries-status', role: 'status' });

  const why = (d: Delivery): string => {
    switch (d.status) {
      case 'sent':
        return t('deliveries.whySent', { when: d.sentAt ? when(d.sentAt) : '?', messageId: d.messageId ?? '?' });
      case 'skipped':
        return t('deliveries.whySkipped', { reason: d.reason ?? '?' });
      case 'failed':
        return t('deliveries.whyFailed', { reason: d.reason ?? '?', code: d.reasonCode ?? '—', attempts: d.attempts });
      default:
        return d.reason ? t('deliveries.whyPendingAfter', { reason: d.reason }) : t('deliveries.whyPending');
    }
  };

  const load = async () => {
    const q = new URLSearchParams({ limit: '200' });
    if (email.value.trim()) q.set('email', email.value.trim());
    if (eventId.value.trim()) q.set('eventId', eventId.value.trim());
    const r = await api<{ items: Delivery[] }>('GET', `/v1/admin/deliveries?${q}`, { token: session.token });
    if (!r.ok) return replace(body, h('p', { class: 'error', role: 'alert' }, problemText(r.problem)));
    if (!r.body.items.length) return replace(body, h('p', { id: 'deliveries-none' }, t('deliveries.none')));
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
            [t('deliveries.kind'), t('deliveries.event'), t('deliveries.leadTime'), t('diff.status'), t('deliveries.why'), t('deliveries.updated'), t('audit.actions')].map((c) =>
              h('th', { scope: 'col' }, c),
            ),
          ),
        ),
        h(
          'tbody',
          { id: 'deliveries-rows' },
          r.body.items.map((d) =>
            h(
              'tr',
              { 'data-delivery-key': d.deliveryKey, 'data-status': d.status },
              h('td', {}, d.kind),
              h('td', {}, d.eventId ? h('code', {}, d.eventId) : '—'),
              h('td', {}, d.leadTime ?? '—'),
              h('td', { class: d.status === 'failed' ? 'error' : d.status === 'sent' ? 'ok' : '' }, t(`deliveries.status.${d.status}`)),
              h('td', { class: 'why' }, why(d)),
              h('td', { title: d.updatedAt }, when(d.updatedAt)),
              h('td', {}, d.status === 'failed' ? h('button', { type: 'button', class: 'secondary', 'data-action': 'retry', onclick: () => void retry(d.deliveryKey) }, t('deliveries.retry')) : null),
            ),
          ),
        ),
      ),
    );
  };
  const retry = async (key: string) => {
    const r = await api<Delivery>('POST', `/v1/admin/deliveries/${encodeURIComponent(key)}/retry`, { token: session.token });
    status.className = r.ok ? 'ok' : 'error';
    status.textContent = r.ok ? t('deliveries.retried') : problemText(r.problem);
    await load();
  };
  const form = h(
    'form',
    { id: 'deliveries-form', class: 'filters' },
    field(t('subscribe.email'), email),
    field(t('deliveries.eventId'), eventId),
    h('div', { class: 'field actions' }, h('button', { type: 'submit' }, t('deliveries.search'))),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    status.textContent = '';
    void load();
  });
  return h(
    'section',
    { class: 'panel', id: 'deliveries-panel', 'aria-labelledby': 'deliveries-h' },
    h('h2', { id: 'deliveries-h' }, t('deliveries.heading')),
    h('p', {}, t('deliveries.intro')),
    form,
    status,
    body,
  );
}
