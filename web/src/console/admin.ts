import { api, problemText } from '../shared/api';
import { h, replace } from '../shared/dom';
import type { I18n } from '../shared/i18n';
import type { Session } from './session';

interface Parked {
  stream: string;
  position: string;
  type: string;
  version: number;
  error: string;
  since: string;
}
interface ProjectionStatus {
  name: string;
  state: string;
  head: string;
  checkpoint: { position: string };
  lag: { events: number; seconds: number };
  lastError: string | null;
  parked: Parked[];
}

/** Projections at a glance: lag, state, parked streams with retry and skip (an audited decision with a reason). */
export function adminPanel(i18n: I18n, session: Session): HTMLElement {
  const { t } = i18n;
  const body = h('div', { id: 'projections' });
  const status = h('p', { role: 'status', id: 'admin-status' });
  const load = async () => {
    const r = await api<{ items: ProjectionStatus[] }>('GET', '/v1/admin/projections', { token: session.token });
    if (!r.ok) return replace(body, h('p', { class: 'error' }, problemText(r.problem)));
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
            ['name', 'state', 'checkpoint', 'head', 'lag', t('admin.parked')].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h(
          'tbody',
          {},
          r.body.items.map((p) =>
            h(
              'tr',
              { 'data-projection': p.name },
              h('td', {}, p.name),
              h('td', {}, p.state),
              h('td', {}, p.checkpoint.position),
              h('td', {}, p.head),
              h('td', {}, t('admin.lag', { events: p.lag.events })),
              h(
                'td',
                {},
                p.parked.length
                  ? [
                      h(
                        'ul',
                        {},
                        p.parked.map((s) => h('li', {}, `${s.stream} @${s.position} (${s.type}): ${s.error} `, skipForm(p.name, s))),
                      ),
                      h('button', { type: 'button', class: 'secondary', onclick: () => void act(p.name, 'retry', {}) }, t('admin.retry')),
                    ]
                  : t('admin.noneParked'),
              ),
            ),
          ),
        ),
      ),
    );
  };
  const act = async (name: string, verb: 'retry' | 'skip', payload: Record<string, unknown>) => {
    const r = await api('POST', `/v1/admin/projections/${encodeURIComponent(name)}/${verb}`, { token: session.token, body: payload });
    status.textContent = r.ok ? `${verb}: ${r.status}` : problemText(r.problem);
    await load();
  };
  const skipForm = (name: string, s: Parked) => {
    const reason = h('input', { type: 'text', required: true, 'aria-label': t('admin.skipReason'), placeholder: t('admin.skipReason') });
    const f = h('form', { class: 'row' }, reason, h('button', { type: 'submit' }, t('admin.skip')));
    f.addEventListener('submit', (e) => {
      e.preventDefault();
      void act(name, 'skip', { position: s.position, reason: reason.value });
    });
    return f;
  };
  void load();
  return h('section', { id: 'admin', 'aria-labelledby': 'admin-h' }, h('h1', { id: 'admin-h' }, t('admin.heading')), status, body);
}
