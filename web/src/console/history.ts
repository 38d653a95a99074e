import { api, isAllDay, problemText, type CalendarEvent, type EventTime } from '../shared/api';
import { h, replace } from '../shared/dom';
import type { I18n } from '../shared/i18n';
import type { MessageId } from '../messages/en';
import { countryName, formatSpan } from '../shared/time';
import type { Session } from './session';

interface HistoryEntry {
  position: string;
  version: number;
  type: string;
  data: Record<string, unknown>;
  metadata: { actor?: string; reason?: string; correlationId?: string };
  recordedAt: string;
  hash?: string;
}

/** One field as the timeline compares it: a label and the value of a folded state, as text. */
interface FieldSpec {
  key: string;
  label: MessageId;
  value: (e: CalendarEvent) => string;
}

/** Versions whose folded states are fetched for the diffs; a longer stream shows what each version recorded. */
const MAX_FOLDED = 200;
/** Folds fetched at once: enough to be quick, few enough not to crowd a busy API. */
const PARALLEL = 4;

/** Why the change was made: reschedules and cancels carry it in their data, decisions in their metadata. */
const reasonOf = (e: HistoryEntry): string | null => (typeof e.data.reason === 'string' && e.data.reason ? e.data.reason : (e.metadata.reason ?? null));

const show = (v: unknown) => (v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** An event time in the event's zone, per locale; the raw value stays in the title for the record. */
function formatTime(t: EventTime, zone: string, locale: string): string {
  if (isAllDay(t)) return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${t.date}T00:00:00Z`));
  return `${t.dateTime} (${zone})`;
}

export function fieldSpecs(i18n: I18n): FieldSpec[] {
  const locale = i18n.formatLocale;
  return [
    { key: 'title', label: 'diff.title', value: (e) => e.title },
    { key: 'description', label: 'diff.description', value: (e) => e.description || '—' },
    { key: 'programme', label: 'diff.programme', value: (e) => e.programme ?? '—' },
    { key: 'place', label: 'diff.place', value: (e) => [e.location.venue, e.location.city, countryName(e.location.country, locale)].filter(Boolean).join(', ') },
    { key: 'timeZone', label: 'diff.timeZone', value: (e) => e.timeZone },
    { key: 'start', label: 'diff.start', value: (e) => formatTime(e.start, e.timeZone, locale) },
    { key: 'end', label: 'diff.end', value: (e) => formatTime(e.end, e.timeZone, locale) },
    { key: 'status', label: 'diff.status', value: (e) => i18n.t(`status.${e.status}`) },
    { key: 'cancelReason', label: 'diff.cancelReason', value: (e) => e.cancelReason ?? '—' },
    { key: 'recurrence', label: 'diff.recurrence', value: (e) => (e.recurrence ?? []).join('\n') || '—' },
  ];
}

export interface FieldChange {
  key: string;
  label: MessageId;
  before: string | null;
  after: string;
}

/** The fields that differ between two folded states (before null: the first version, every field set). */
export function diffStates(before: CalendarEvent | null, after: CalendarEvent, i18n: I18n): FieldChange[] {
  const out: FieldChange[] = [];
  for (const f of fieldSpecs(i18n)) {
    const b = before ? f.value(before) : null;
    const a = f.value(after);
    if (b !== a && !(b === null && a === '—')) out.push({ key: f.key, label: f.label, before: b, after: a });
  }
  return out;
}

/** Runs `fn` over `items`, at most `n` at a time, keeping the order. */
async function inBatches<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += n) out.push(...(await Promise.all(items.slice(i, i + n).map(fn))));
  return out;
}

/** `datetime-local` (the browser's zone) to an ISO instant; '' when empty or invalid. */
export function localToInstant(value: string): string {
  if (!value) return '';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

/**
 * An event's stream as a timeline: each version with its actor, time and reason, and — for
 * auditors — the fields it changed (before → after), computed from the API's own fold of the
 * stream at each version's recorded time (GET /v1/events/:id?asOf=), so the console never
 * re-implements the domain's rules. Auditors step through the versions or pick any instant and
 * see the event as it stood then.
 */
export async function historyPanel(i18n: I18n, session: Session, id: string): Promise<HTMLElement> {
  const { t } = i18n;
  const seriesId = id.replace(/_[0-9TZ]+$/, '');
  const r = await api<{ items: HistoryEntry[] } | HistoryEntry[]>('GET', `/v1/events/${encodeURIComponent(seriesId)}/history`, { token: session.token });
  if (!r.ok) return h('div', { class: 'panel error', role: 'alert' }, problemText(r.problem));
  const items = Array.isArray(r.body) ? r.body : r.body.items;
  const auditor = session.roles.includes('auditor');
  const asOf = (at: string) => api<CalendarEvent>('GET', `/v1/events/${encodeURIComponent(seriesId)}?asOf=${encodeURIComponent(at)}`, { token: session.token });
  // The state after each version (null where it cannot be folded): the diffs' before and after.
  const states: Array<CalendarEvent | null> =
    auditor && items.length <= MAX_FOLDED ? await inBatches(items, PARALLEL, async (e) => ((s) => (s.ok ? s.body : null))(await asOf(e.recordedAt))) : items.map(() => null);
  const latest = states[states.length - 1];
  const title = String(latest?.title ?? items[0]?.data.title ?? seriesId);
  const when = (iso: string) => new Date(iso).toLocaleString(i18n.formatLocale, { dateStyle: 'medium', timeStyle: 'medium' });

  const changesOf = (i: number): HTMLElement => {
    const e = items[i];
    const after = states[i];
    if (after) {
      const changes = diffStates(i > 0 ? states[i - 1] : null, after, i18n);
      if (changes.length)
        return h(
          'table',
          { class: 'diff' },
          h('caption', { class: 'visually-hidden' }, t('diff.caption', { version: e.version })),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('diff.field')), h('th', { scope: 'col' }, t('diff.before')), h('th', { scope: 'col' }, t('diff.after')))),
          h(
            'tbody',
            {},
            changes.map((c) =>
              h('tr', { 'data-field': c.key }, h('th', { scope: 'row' }, t(c.label)), h('td', {}, c.before === null ? '—' : h('del', {}, c.before)), h('td', {}, h('ins', {}, c.after))),
            ),
          ),
        );
    }
    // Nothing the event's own fields show (an occurrence of a series moved, say), or no fold: what the version recorded.
    return h(
      'dl',
      { class: 'diff' },
      Object.entries(e.data).map(([k, v]) => [h('dt', {}, k), h('dd', {}, h('ins', {}, show(v)))]),
    );
  };

  const timeline = h(
    'ol',
    { class: 'timeline', id: 'history' },
    items.map((e, i) =>
      h(
        'li',
        { 'data-version': e.version, 'data-position': e.position },
        h('strong', {}, t('history.version', { version: e.version, type: e.type })),
        ' ',
        h('small', { title: e.recordedAt }, t('history.by', { actor: e.metadata.actor ?? '?', when: when(e.recordedAt) })),
        reasonOf(e) ? h('p', { class: 'reason' }, t('history.reason', { reason: reasonOf(e)! })) : null,
        changesOf(i),
      ),
    ),
  );
  const panel = h('section', { class: 'panel', id: 'history-panel', 'aria-labelledby': 'history-h' }, h('h2', { id: 'history-h' }, t('history.heading', { title })), timeline);
  if (!auditor || !items.length) return panel;

  // Stepping through versions (the slider, or previous / next) and any instant (the picker).
  const slider = h('input', { type: 'range', id: 'as-of', min: 0, max: items.length - 1, step: 1, value: items.length - 1 });
  const label = h('output', { for: 'as-of', id: 'as-of-label' });
  const state = h('div', { id: 'as-of-state', 'aria-live': 'polite' });
  const prev = h('button', { type: 'button', class: 'secondary', id: 'step-prev' }, t('history.previous'));
  const next = h('button', { type: 'button', class: 'secondary', id: 'step-next' }, t('history.next'));
  const picker = h('input', { type: 'datetime-local', id: 'as-of-instant', step: '0.001' });
  const pickForm = h('form', { class: 'row', id: 'as-of-form' }, h('label', { for: 'as-of-instant' }, t('history.anyInstant')), picker, h('button', { type: 'submit' }, t('history.show')));
  const showState = async (at: string) => {
    const s = await asOf(at);
    replace(
      state,
      s.ok
        ? h('p', {}, `v${s.body.version} · ${s.body.title} · ${formatSpan(s.body, s.body.timeZone, i18n.formatLocale)} · ${t(`status.${s.body.status}`)}`)
        : s.status === 404
          ? h('p', {}, t('history.notYet'))
          : h('p', { class: 'error' }, problemText(s.problem)),
    );
  };
  const step = async () => {
    const i = Number(slider.value);
    const at = items[i].recordedAt;
    label.textContent = `v${items[i].version} · ${when(at)}`;
    prev.disabled = i === 0;
    next.disabled = i === items.length - 1;
    for (const li of timeline.children) {
      const current = li.getAttribute('data-version') === String(items[i].version);
      li.classList.toggle('current', current);
      if (current) li.setAttribute('aria-current', 'step');
      else li.removeAttribute('aria-current');
    }
    await showState(at);
  };
  const move = (d: number) => {
    slider.value = String(Math.min(items.length - 1, Math.max(0, Number(slider.value) + d)));
    void step();
  };
  slider.addEventListener('input', () => void step());
  prev.addEventListener('click', () => move(-1));
  next.addEventListener('click', () => move(1));
  pickForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const at = localToInstant(picker.value);
    if (!at) return replace(state, h('p', { class: 'error' }, t('history.badInstant')));
    label.textContent = when(at);
    for (const li of timeline.children) {
      li.classList.remove('current');
      li.removeAttribute('aria-current');
    }
    void showState(at);
  });
  panel.append(h('h3', {}, t('history.asOfState')), h('div', { class: 'row' }, h('label', { for: 'as-of' }, t('history.asOf')), slider, label, prev, next), pickForm, state);
  void step();
  return panel;
}
