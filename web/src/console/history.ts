import { api, problemText, type CalendarEvent } from '../shared/api';
import { h } from '../shared/dom';
import type { I18n } from '../shared/i18n';
import { formatSpan } from '../shared/time';
import type { Session } from './session';

interface HistoryEntry {
  position: string;
  version: number;
  type: string;
  data: Record<string, unknown>;
  metadata: { actor?: string; reason?: string };
  recordedAt: string;
}

const show = (v: unknown) => (v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/**
 * An event's stream as a timeline: each version's fields (what it set or changed), its actor and
 * time; for auditors an as-of slider that folds the event as it stood at a version's time.
 */
export async function historyPanel(i18n: I18n, session: Session, id: string): Promise<HTMLElement> {
  const { t } = i18n;
  const seriesId = id.replace(/_[0-9TZ]+$/, '');
  const r = await api<{ items: HistoryEntry[] } | HistoryEntry[]>('GET', `/v1/events/${encodeURIComponent(seriesId)}/history`, { token: session.token });
  if (!r.ok) return h('div', { class: 'panel error', role: 'alert' }, problemText(r.problem));
  const items = Array.isArray(r.body) ? r.body : r.body.items;
  const title = String(items[0]?.data.title ?? seriesId);
  const timeline = h(
    'ol',
    { class: 'timeline', id: 'history' },
    items.map((e) =>
      h(
        'li',
        { 'data-version': e.version },
        h('strong', {}, t('history.version', { version: e.version, type: e.type })),
        ' ',
        h('small', {}, t('history.by', { actor: e.metadata.actor ?? '?', when: new Date(e.recordedAt).toLocaleString(i18n.formatLocale) })),
        h(
          'dl',
          { class: 'diff' },
          Object.entries(e.data).map(([k, v]) => [h('dt', {}, k), h('dd', {}, h('ins', {}, show(v)))]),
        ),
      ),
    ),
  );
  const panel = h('section', { class: 'panel', id: 'history-panel', 'aria-labelledby': 'history-h' }, h('h2', { id: 'history-h' }, t('history.heading', { title })), timeline);
  if (session.roles.includes('auditor') && items.length) {
    const slider = h('input', { type: 'range', id: 'as-of', min: 0, max: items.length - 1, step: 1, value: items.length - 1 });
    const label = h('output', { for: 'as-of', id: 'as-of-label' });
    const state = h('div', { id: 'as-of-state' });
    const load = async () => {
      const at = items[Number(slider.value)].recordedAt;
      label.textContent = new Date(at).toLocaleString(i18n.formatLocale);
      const s = await api<CalendarEvent>('GET', `/v1/events/${encodeURIComponent(seriesId)}?asOf=${encodeURIComponent(at)}`, { token: session.token });
      state.replaceChildren(
        s.ok ? h('p', {}, `v${s.body.version} · ${s.body.title} · ${formatSpan(s.body, s.body.timeZone, i18n.formatLocale)} · ${t(`status.${s.body.status}`)}`) : h('p', {}, t('history.notYet')),
      );
    };
    slider.addEventListener('input', () => void load());
    panel.append(h('h3', {}, t('history.asOfState')), h('label', { for: 'as-of' }, t('history.asOf')), ' ', slider, ' ', label, state);
    void load();
  }
  return panel;
}
