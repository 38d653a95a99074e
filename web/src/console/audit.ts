import { COUNTRIES, api, problemText, type ApiResult, type CalendarEvent } from '../shared/api';
import { field, h, replace, select } from '../shared/dom';
import type { I18n } from '../shared/i18n';
import { countryName, formatSpan } from '../shared/time';
import { localToInstant } from './history';
import type { Session } from './session';

/** How many log entries the calendar's as-of slider loads at a time (the latest first; stepping back past them, the ones before). */
const MAX_STOPS = 2000;

interface LogItem {
  position: string;
  id: string;
  streamId: string;
  version: number;
  type: string;
  data: Record<string, unknown>;
  metadata: { actor?: string; reason?: string; correlationId?: string };
  recordedAt: string;
}

interface AuditCalendarItem extends CalendarEvent {
  lastChange: { type: string; actor: string | null; recordedAt: string; position: string };
}

/** The calendar event types, offered in the log's type filter (any other type can be typed in). */
const KNOWN_TYPES = ['EventScheduled', 'EventDetailsChanged', 'EventRescheduled', 'EventCancelled', 'ProjectionEventSkipped'];
const CALENDAR_STREAM = /^calendar-event-([0-9a-f-]{36})$/i;

/** `<input type=datetime-local>` value for an ISO instant, in the browser's zone, to the millisecond. */
export function instantToLocal(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** The filename a Content-Disposition header names, or a fallback. */
function filenameOf(disposition: string | null): string {
  return /filename="([^"]+)"/.exec(disposition ?? '')?.[1] ?? 'almanac-export.ndjson';
}

export interface AuditPanels {
  log: HTMLElement;
  calendar: HTMLElement;
}

/**
 * The auditor's log tools: the global log with its filters (type, actor, stream, recorded
 * from/to), paged by position; the export of the same filters as a file; and the whole calendar
 * as it stood at any instant (GET /v1/audit/calendar?asOf=). A log row opens its event's history
 * or shows the calendar as of that row.
 */
export function auditPanels(i18n: I18n, session: Session, openHistory: (id: string) => void): AuditPanels {
  const { t } = i18n;
  const when = (iso: string) => new Date(iso).toLocaleString(i18n.formatLocale, { dateStyle: 'medium', timeStyle: 'medium' });

  // ---- the calendar as of an instant ----
  const asOfInput = h('input', { type: 'datetime-local', id: 'calendar-as-of', name: 'asOf', step: '0.001', required: true });
  const statusSel = select('status', [
    ['scheduled', t('status.scheduled')],
    ['all', t('audit.statusAll')],
  ]);
  const countrySel = select('country', [['', t('filters.all')], ...COUNTRIES.map((c): [string, string] => [c, countryName(c, i18n.formatLocale)])]);
  const calendarBody = h('div', { id: 'calendar-as-of-result', 'aria-live': 'polite' });
  const calendarForm = h(
    'form',
    { id: 'calendar-as-of-form', class: 'filters' },
    field(t('audit.asOf'), asOfInput),
    field(t('diff.status'), statusSel),
    field(t('filters.country'), countrySel),
    h('div', { class: 'field actions' }, h('button', { type: 'submit' }, t('history.show'))),
  );
  const calendarPage = async (cursor: string | null, into: HTMLElement) => {
    const at = localToInstant(asOfInput.value);
    if (!at) return replace(calendarBody, h('p', { class: 'error' }, t('history.badInstant')));
    const q = new URLSearchParams({ asOf: at, status: statusSel.value, limit: '100' });
    if (countrySel.value) q.set('country', countrySel.value);
    if (cursor) q.set('cursor', cursor);
    const r = await api<{ asOf: string; items: AuditCalendarItem[]; nextCursor: string | null }>('GET', `/v1/audit/calendar?${q}`, { token: session.token });
    if (!r.ok) return replace(calendarBody, h('p', { class: 'error', role: 'alert' }, problemText(r.problem)));
    const rows = r.body.items.map((e) =>
      h(
        'tr',
        { 'data-event-id': e.id },
        h('td', {}, e.title),
        h('td', {}, formatSpan(e, e.timeZone, i18n.formatLocale)),
        h('td', {}, [e.location.city, countryName(e.location.country, i18n.formatLocale)].join(', ')),
        h('td', { class: e.status === 'cancelled' ? 'cancelled' : '' }, t(`status.${e.status}`)),
        h('td', {}, `v${e.version}`),
        h('td', {}, t('audit.lastChange', { type: e.lastChange.type, actor: e.lastChange.actor ?? '?', when: when(e.lastChange.recordedAt) })),
      ),
    );
    if (!cursor) {
      replace(
        into,
        h('p', { id: 'calendar-as-of-count' }, t('audit.calendarAsOf', { when: when(r.body.asOf), count: r.body.items.length })),
        h(
          'table',
          {},
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              [t('diff.title'), t('event.when'), t('event.where'), t('diff.status'), t('audit.version'), t('audit.lastChangeHeading')].map((c) => h('th', { scope: 'col' }, c)),
            ),
          ),
          h('tbody', { id: 'calendar-as-of-rows' }, rows),
        ),
      );
    } else into.querySelector('tbody')?.append(...rows);
    into.querySelector('#calendar-as-of-more')?.remove();
    if (r.body.nextCursor) {
      const next = r.body.nextCursor;
      into.append(h('button', { type: 'button', class: 'secondary', id: 'calendar-as-of-more', onclick: () => void calendarPage(next, into) }, t('audit.more')));
    }
  };
  calendarForm.addEventListener('submit', (e) => {
    e.preventDefault();
    void calendarPage(null, calendarBody);
  });
  // Stepping through the log's changes (a slider, like the event view's over its versions): each
  // stop is one entry's recorded instant, and the calendar is shown as of it. The slider holds
  // the latest MAX_STOPS entries; stepping back past its first loads the MAX_STOPS before them
  // (a stop keeps only what the slider shows). The picker above reaches any instant.
  const slider = h('input', { type: 'range', id: 'calendar-as-of-slider', min: 0, max: 0, step: 1, value: 0, disabled: true });
  const sliderLabel = h('output', { for: 'calendar-as-of-slider', id: 'calendar-as-of-slider-label' });
  const stepPrev = h('button', { type: 'button', class: 'secondary', id: 'calendar-step-prev', disabled: true }, t('history.previous'));
  const stepNext = h('button', { type: 'button', class: 'secondary', id: 'calendar-step-next', disabled: true }, t('history.next'));
  type Stop = Pick<LogItem, 'position' | 'type' | 'recordedAt'>;
  let stops: Stop[] = [];
  /** `before` for the entries preceding the first stop; null when the first stop is the log's first entry. */
  let earlier: string | null = null;
  let loading = false;
  /** Up to MAX_STOPS entries just before `before` ('end': the latest), in log order. */
  const stopsBefore = async (before: string): Promise<{ found: Stop[]; prevBefore: string | null } | null> => {
    const found: Stop[] = [];
    let at: string | null = before;
    while (at !== null && found.length < MAX_STOPS) {
      const r: ApiResult<{ items: LogItem[]; prevBefore?: string | null }> = await api('GET', `/v1/audit/log?${new URLSearchParams({ before: at, limit: '500' })}`, { token: session.token });
      if (!r.ok) return null;
      found.unshift(...r.body.items.map(({ position, type, recordedAt }) => ({ position, type, recordedAt })));
      at = r.body.prevBefore ?? null;
    }
    return { found, prevBefore: at };
  };
  const loadStops = async () => {
    const got = await stopsBefore('end');
    if (!got || !got.found.length) return;
    stops = got.found;
    earlier = got.prevBefore;
    slider.max = String(stops.length - 1);
    slider.value = String(stops.length - 1);
    slider.disabled = false;
    showStop(false);
  };
  const showStop = (load = true) => {
    const i = Number(slider.value);
    const stop = stops[i];
    sliderLabel.textContent = t('audit.changeAt', { n: i + 1, count: stops.length, type: stop.type, when: when(stop.recordedAt) });
    sliderLabel.setAttribute('data-position', stop.position);
    stepPrev.disabled = i === 0 && earlier === null;
    stepNext.disabled = i === stops.length - 1;
    if (!load) return;
    asOfInput.value = instantToLocal(stop.recordedAt);
    void calendarPage(null, calendarBody);
  };
  const moveStop = async (d: number) => {
    const to = Number(slider.value) + d;
    if (to < 0 && earlier !== null) {
      if (loading) return;
      loading = true;
      const got = await stopsBefore(earlier).finally(() => (loading = false));
      if (got && got.found.length) {
        stops = [...got.found, ...stops];
        earlier = got.prevBefore;
        slider.max = String(stops.length - 1);
        slider.value = String(got.found.length - 1);
        return showStop();
      }
    }
    slider.value = String(Math.min(stops.length - 1, Math.max(0, to)));
    showStop();
  };
  slider.addEventListener('input', () => showStop());
  stepPrev.addEventListener('click', () => void moveStop(-1));
  stepNext.addEventListener('click', () => void moveStop(1));
  void loadStops();
  const calendar = h(
    'section',
    { class: 'panel', id: 'calendar-as-of-panel', 'aria-labelledby': 'calendar-as-of-h' },
    h('h2', { id: 'calendar-as-of-h' }, t('audit.calendarHeading')),
    calendarForm,
    h('div', { class: 'row' }, h('label', { for: 'calendar-as-of-slider' }, t('audit.stepChanges')), slider, sliderLabel, stepPrev, stepNext),
    calendarBody,
  );
  const showCalendarAt = (iso: string) => {
    asOfInput.value = instantToLocal(iso);
    void calendarPage(null, calendarBody);
    calendar.scrollIntoView();
  };

  // ---- the log ----
  const typeInput = h('input', { type: 'text', name: 'type', list: 'log-types', autocomplete: 'off' });
  const actorInput = h('input', { type: 'text', name: 'actor', autocomplete: 'off' });
  const streamInput = h('input', { type: 'text', name: 'stream', autocomplete: 'off' });
  const fromInput = h('input', { type: 'datetime-local', name: 'from', step: '1' });
  const toInput = h('input', { type: 'datetime-local', name: 'to', step: '1' });
  const limitSel = select(
    'limit',
    [
      ['5', '5'],
      ['25', '25'],
      ['100', '100'],
      ['500', '500'],
    ],
    '25',
  );
  const filters = (): URLSearchParams => {
    const q = new URLSearchParams();
    if (typeInput.value.trim()) q.set('type', typeInput.value.trim());
    if (actorInput.value.trim()) q.set('actor', actorInput.value.trim());
    if (streamInput.value.trim()) q.set('stream', streamInput.value.trim());
    const from = localToInstant(fromInput.value);
    const to = localToInstant(toInput.value);
    if (from) q.set('from', from);
    if (to) q.set('to', to);
    return q;
  };
  const logBody = h('div', { id: 'log-result', 'aria-live': 'polite' });
  const logStatus = h('p', { id: 'log-status', role: 'status' });
  // The `after` of every page shown so far: "previous" pops back without the API paging backwards.
  let pages: string[] = ['0'];
  const loadLog = async () => {
    const q = filters();
    q.set('after', pages[pages.length - 1]);
    q.set('limit', limitSel.value);
    const r = await api<{ items: LogItem[]; nextAfter: string | null }>('GET', `/v1/audit/log?${q}`, { token: session.token });
    if (!r.ok) return replace(logBody, h('p', { class: 'error', role: 'alert' }, problemText(r.problem)));
    const nextAfter = r.body.nextAfter;
    replace(
      logBody,
      h('p', { id: 'log-count' }, t('audit.logPage', { page: pages.length, count: r.body.items.length })),
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            [t('audit.position'), t('audit.recorded'), t('audit.type'), t('audit.stream'), t('audit.version'), t('audit.actor'), t('audit.actions')].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h(
          'tbody',
          { id: 'log-rows' },
          r.body.items.map((e) => {
            const eventId = CALENDAR_STREAM.exec(e.streamId)?.[1];
            return h(
              'tr',
              { 'data-position': e.position, 'data-type': e.type },
              h('td', {}, e.position),
              h('td', { title: e.recordedAt }, when(e.recordedAt)),
              h('td', {}, e.type),
              h('td', {}, h('code', {}, e.streamId)),
              h('td', {}, e.version),
              h('td', {}, e.metadata.actor ?? '—'),
              h(
                'td',
                {},
                h('div', { class: 'row' }, [
                  eventId ? h('button', { type: 'button', class: 'secondary', 'data-action': 'history', onclick: () => openHistory(eventId) }, t('desk.history')) : null,
                  h('button', { type: 'button', class: 'secondary', 'data-action': 'calendar-as-of', onclick: () => showCalendarAt(e.recordedAt) }, t('audit.calendarAtThis')),
                ]),
              ),
            );
          }),
        ),
      ),
      h(
        'div',
        { class: 'row' },
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            id: 'log-prev',
            disabled: pages.length === 1,
            onclick: () => {
              pages.pop();
              void loadLog();
            },
          },
          t('history.previous'),
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            id: 'log-next',
            disabled: !nextAfter,
            onclick: () => {
              if (!nextAfter) return;
              pages.push(nextAfter);
              void loadLog();
            },
          },
          t('history.next'),
        ),
      ),
    );
  };
  const exportLog = async () => {
    logStatus.className = '';
    logStatus.textContent = t('audit.exporting');
    const res = await fetch(`/v1/audit/export?${filters()}`, { headers: { authorization: `Bearer ${session.token}` }, cache: 'no-store' });
    if (!res.ok) {
      const text = await res.text();
      let detail = text;
      try {
        detail = problemText(JSON.parse(text) as { status: number });
      } catch {
        // not problem+json: the text as it came
      }
      logStatus.className = 'error';
      logStatus.textContent = detail;
      return;
    }
    // The whole file in memory: an export is read once and handed to the browser's download.
    const blob = await res.blob();
    const url = URL.createObjectURL(blob);
    const a = h('a', { href: url, download: filenameOf(res.headers.get('content-disposition')), hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    logStatus.className = 'ok';
    logStatus.textContent = t('audit.exported', { bytes: blob.size });
  };
  const logForm = h(
    'form',
    { id: 'log-form', class: 'filters' },
    field(t('audit.type'), typeInput),
    h(
      'datalist',
      { id: 'log-types' },
      KNOWN_TYPES.map((k) => h('option', { value: k })),
    ),
    field(t('audit.actor'), actorInput),
    field(t('audit.stream'), streamInput),
    field(t('audit.from'), fromInput),
    field(t('audit.to'), toInput),
    field(t('audit.pageSize'), limitSel),
    h(
      'div',
      { class: 'field actions' },
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'submit' }, t('audit.filter')),
        h('button', { type: 'button', class: 'secondary', id: 'log-export', onclick: () => void exportLog() }, t('audit.export')),
      ),
    ),
  );
  logForm.addEventListener('submit', (e) => {
    e.preventDefault();
    pages = ['0'];
    void loadLog();
  });
  const log = h('section', { class: 'panel', id: 'log-panel', 'aria-labelledby': 'log-h' }, h('h2', { id: 'log-h' }, t('audit.logHeading')), logForm, logStatus, logBody);
  void loadLog();
  return { log, calendar };
}
