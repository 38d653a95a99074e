import { COUNTRIES, PROGRAMMES, api, isAllDay, listEvents, problemText, type ApiResult, type CalendarEvent, type EventTime } from '../shared/api';
import { field, h, replace, select } from '../shared/dom';
import type { I18n } from '../shared/i18n';
import { countryName, formatSpan } from '../shared/time';
import { importPanel, type ImportReport } from './desk-import';
import { historyPanel } from './history';
import { recurrenceEditor } from './recurrence-editor';
import type { Session } from './session';

type Status = (kind: 'ok' | 'error' | 'info', text: string) => void;

const etagOf = (r: ApiResult<unknown>) => r.headers.get('etag') ?? '';
const positionOf = (r: ApiResult<unknown>) => r.headers.get('x-log-position') ?? '';

/**
 * The staff desk: schedule (with a recurrence editor and its preview), import a listing (with a
 * preview), list a month, edit, reschedule, cancel, and split a series at an instance; conflicts
 * (412) shown and re-appliable.
 */
export function desk(i18n: I18n, session: Session): HTMLElement {
  const { t } = i18n;
  const statusEl = h('p', { id: 'desk-status', role: 'status', 'aria-live': 'polite' });
  const status: Status = (kind, text) => {
    statusEl.className = kind === 'ok' ? 'ok' : kind === 'error' ? 'error' : '';
    statusEl.textContent = text;
  };
  const month = h('input', { type: 'month', id: 'desk-month', value: new URLSearchParams(location.search).get('month') ?? new Date().toISOString().slice(0, 7) });
  const list = h('div', { id: 'desk-events' });
  const action = h('div', { id: 'desk-action' });
  /** The log position of this desk's last write: every read after it waits for it (read-your-writes). */
  let lastPosition: string | undefined;
  const fresh = (): Record<string, string> => (lastPosition ? { 'x-min-log-position': lastPosition } : {});

  async function refresh(minPosition?: string): Promise<CalendarEvent[]> {
    const [y, m] = month.value.split('-').map(Number);
    const from = new Date(Date.UTC(y, m - 1, 1)).toISOString();
    const to = new Date(Date.UTC(y, m, 1)).toISOString();
    // The write's log position: the read waits until the calendar has applied it (read-your-writes).
    const items = await listEvents({ from, to, status: 'all' }, minPosition ? { 'x-min-log-position': minPosition } : {});
    replace(
      list,
      h(
        'table',
        {},
        h('caption', {}, t('desk.events')),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, t('form.title')),
            h('th', { scope: 'col' }, t('event.when')),
            h('th', { scope: 'col' }, t('event.where')),
            h('th', { scope: 'col' }, 'Status'),
            h('th', { scope: 'col' }, ''),
          ),
        ),
        h(
          'tbody',
          {},
          items.map((ev) =>
            h(
              'tr',
              { 'data-event-id': ev.id },
              h('td', {}, ev.title),
              h('td', {}, formatSpan(ev, ev.timeZone, i18n.formatLocale), h('br'), h('small', {}, ev.timeZone)),
              h('td', {}, [ev.location.venue, ev.location.city, countryName(ev.location.country, i18n.locale)].filter(Boolean).join(', ')),
              h('td', {}, t(`status.${ev.status}`), ev.recurringEventId ? [h('br'), h('small', {}, t('desk.instance'))] : null),
              h(
                'td',
                { class: 'row' },
                ev.status === 'scheduled'
                  ? [
                      h('button', { type: 'button', class: 'secondary', onclick: () => void open('edit', ev.id) }, t('desk.edit')),
                      h('button', { type: 'button', class: 'secondary', onclick: () => void open('reschedule', ev.id) }, t('desk.reschedule')),
                      h('button', { type: 'button', class: 'secondary', onclick: () => void open('cancel', ev.id) }, t('desk.cancel')),
                      ev.recurringEventId ? h('button', { type: 'button', class: 'secondary', onclick: () => void open('split', ev.id) }, t('desk.split')) : null,
                      ev.recurringEventId ? h('button', { type: 'button', class: 'secondary', onclick: () => void open('rule', ev.recurringEventId!) }, t('desk.changeRule')) : null,
                    ]
                  : null,
                h('button', { type: 'button', class: 'secondary', onclick: () => void showHistory(ev.id) }, t('desk.history')),
              ),
            ),
          ),
        ),
      ),
    );
    return items;
  }

  async function showHistory(id: string): Promise<void> {
    replace(action, await historyPanel(i18n, session, id));
  }

  /** The month once the calendar has applied `position`, or undefined (said in the status) when it did not in time. */
  async function refreshWaiting(position: string): Promise<CalendarEvent[] | undefined> {
    // The read waits up to 5 s for the calendar to apply the write; a busy worker may need longer.
    for (let attempt = 1; ; attempt++) {
      try {
        return await refresh(position);
      } catch (err) {
        if (attempt >= 6) {
          status('error', String(err));
          return undefined;
        }
      }
    }
  }

  /** After a write: wait for the read model, then say so (or say what failed). */
  async function afterWrite(r: ApiResult<unknown>, id: string): Promise<void> {
    if (!r.ok) return status('error', t('status.failed', { detail: problemText(r.problem) }));
    const position = positionOf(r);
    lastPosition = position || lastPosition;
    status('info', t('status.waiting', { position }));
    const body = r.body as CalendarEvent;
    if (body?.startsAt) month.value = body.startsAt.slice(0, 7);
    const items = await refreshWaiting(position);
    if (!items) return;
    if (items.some((e) => e.id === id || e.recurringEventId === id)) status('ok', t('status.visible', { position }));
    replace(action);
  }

  // ---- schedule
  const s = eventFields(i18n);
  const editor = recurrenceEditor(i18n, session, s.rule, () => ({ ...s.details(), ...s.times(), ...s.recurrence() }));
  const scheduleForm = h('form', { id: 'schedule-form', class: 'panel' }, h('h2', {}, t('desk.schedule')), s.el, editor.el, h('button', { type: 'submit' }, t('desk.save')));
  // The preview follows every field it depends on (start, zone, place), not only the rule.
  scheduleForm.addEventListener('input', (e) => {
    if (!(e.target instanceof Element) || !e.target.closest('#recurrence-editor')) editor.refresh();
  });
  scheduleForm.addEventListener('change', (e) => {
    if (!(e.target instanceof Element) || !e.target.closest('#recurrence-editor')) editor.refresh();
  });
  scheduleForm.addEventListener('submit', (e) => {
    e.preventDefault();
    status('info', t('status.saving'));
    const body = { ...s.details(), ...s.times(), ...s.recurrence() };
    void api<CalendarEvent>('POST', '/v1/events', { token: session.token, body, headers: { 'idempotency-key': crypto.randomUUID() } }).then((r) => {
      if (r.ok) {
        scheduleForm.reset();
        editor.refresh();
      }
      return afterWrite(r, r.body?.id ?? '');
    });
  });

  // ---- import a listing, previewed first; then wait until the calendar shows what it created
  const importer = importPanel(i18n, session, async (r: ApiResult<ImportReport>) => {
    const position = positionOf(r);
    if (!position) return; // nothing appended: nothing to wait for
    lastPosition = position;
    // The month of the first created row is shown; the rows of that month must all be in it.
    const day = (c: ImportReport['created'][number]) => (c.start && 'date' in c.start ? c.start.date : '');
    if (r.body.created[0]) month.value = day(r.body.created[0]).slice(0, 7);
    status('info', t('status.waiting', { position }));
    const items = await refreshWaiting(position);
    const expected = r.body.created.filter((c) => day(c).startsWith(month.value));
    if (items && expected.every((c) => items.some((e) => e.id === c.id))) status('ok', t('status.visible', { position }));
  });

  // ---- edit / reschedule / cancel / split, each with If-Match on the version the form was opened on
  async function open(kind: 'edit' | 'reschedule' | 'cancel' | 'split' | 'rule', id: string): Promise<void> {
    const r = await api<CalendarEvent>('GET', `/v1/events/${encodeURIComponent(id)}`, { headers: fresh() });
    if (!r.ok) return status('error', problemText(r.problem));
    const base = r.body;
    const fields = eventFields(i18n, base);
    const reason = h('input', { type: 'text', name: 'reason', required: kind === 'cancel' });
    // A series' rule: the same rule builder and server preview as on schedule, over the series' own details and times.
    fields.rule.value = (base.recurrence ?? []).join(' ');
    const ruleEditor = kind === 'rule' ? recurrenceEditor(i18n, session, fields.rule, () => ({ ...fields.details(), ...fields.times(), ...fields.recurrence() })) : undefined;
    const inner =
      kind === 'rule' && ruleEditor
        ? [field(t('form.recurrence'), fields.rule, t('form.recurrenceHint')), ruleEditor.el, field(t('form.reason'), reason)]
        : kind === 'edit'
          ? fields.detailsEl
          : kind === 'reschedule'
            ? [fields.timesEl, field(t('form.reason'), reason)]
            : kind === 'split'
              ? [h('p', {}, t('desk.splitExplain')), fields.timesEl, fields.detailsEl]
              : field(t('form.reason'), reason);
    const conflict = h('div', { id: 'conflict' });
    const form = h(
      'form',
      { id: `${kind}-form`, class: 'panel' },
      h(
        'h2',
        {},
        `${t(kind === 'edit' ? 'desk.edit' : kind === 'reschedule' ? 'desk.reschedule' : kind === 'split' ? 'desk.split' : kind === 'rule' ? 'desk.changeRule' : 'desk.cancel')}: ${base.title}`,
      ),
      inner,
      conflict,
      h('div', { class: 'row' }, h('button', { type: 'submit' }, t('desk.save')), h('button', { type: 'button', class: 'secondary', onclick: () => replace(action) }, t('desk.close'))),
    );
    const path = `/v1/events/${encodeURIComponent(id)}${kind === 'edit' ? '' : kind === 'rule' ? '/recurrence' : `/${kind}`}`;
    const method = kind === 'edit' ? 'PATCH' : 'POST';
    const body = () =>
      kind === 'edit'
        ? changedDetails(base, fields.details())
        : kind === 'reschedule'
          ? { ...fields.times(), ...(reason.value ? { reason: reason.value } : {}) }
          : kind === 'split'
            ? { ...changedDetails(base, fields.details()), ...changedTimes(base, fields.times()) }
            : kind === 'rule'
              ? { recurrence: fields.recurrence().recurrence ?? [], ...(reason.value ? { reason: reason.value } : {}) }
              : { reason: reason.value };
    const send = async (etag: string, payload: Record<string, unknown>) => {
      status('info', t('status.saving'));
      const w = await api<CalendarEvent>(method, path, { token: session.token, body: payload, headers: { 'if-match': etag } });
      if (w.status === 412) return showConflict(payload, Number((etagOf(w).match(/\d+/) ?? ['0'])[0]));
      // A split answers with the new series, its changed times and details written with it in one write.
      return afterWrite(w, kind === 'split' && w.ok ? w.body.id : id);
    };
    // 412: someone wrote first. Show what changed since the version this form was opened on, and offer to re-apply.
    const showConflict = async (payload: Record<string, unknown>, actual: number) => {
      // The 412's ETag is the log's version; the read model may be a moment behind it, so wait for it (bounded: 30 s).
      let now = await api<CalendarEvent>('GET', `/v1/events/${encodeURIComponent(id)}`);
      const atLeast = Math.max(actual, base.version + 1); // a 412 means someone wrote after the version this form was opened on
      status('info', t('status.saving'));
      for (let i = 0; i < 150 && now.ok && now.body.version < atLeast; i++) {
        await new Promise((res) => setTimeout(res, 200));
        now = await api<CalendarEvent>('GET', `/v1/events/${encodeURIComponent(id)}`);
      }
      status('error', t('conflict.heading', { theirs: now.body.version, yours: base.version }));
      replace(
        conflict,
        h(
          'div',
          { class: 'panel', role: 'alert' },
          h('p', {}, t('conflict.heading', { theirs: now.body.version, yours: base.version })),
          diffTable(i18n, base, now.body, payload),
          h('button', { type: 'button', id: 'reapply', onclick: () => void send(etagOf(now), payload) }, t('conflict.reapply')),
        ),
      );
    };
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void send(etagOf(r), body());
    });
    if (ruleEditor) {
      form.addEventListener('input', (e) => {
        if (!(e.target instanceof Element) || !e.target.closest('#recurrence-editor')) ruleEditor.refresh();
      });
      ruleEditor.refresh();
    }
    replace(action, form);
  }

  month.addEventListener('change', () => void refresh(lastPosition));
  void refresh();
  return h('section', { id: 'desk', 'aria-labelledby': 'desk-h' }, h('h1', { id: 'desk-h' }, t('desk.heading')), statusEl, scheduleForm, importer, field(t('desk.month'), month), action, list);
}

/** Only what the form changed: a PATCH of unchanged fields would still need the same If-Match and says nothing. */
/**
 * The form's times when they differ from the event's (for a split, the instance's): otherwise
 * none, so a split keeps the series' own times rather than one instance's override.
 */
function changedTimes(base: CalendarEvent, times: ReturnType<ReturnType<typeof eventFields>['times']>): Record<string, unknown> {
  const value = (x: EventTime) => ('date' in x ? `d${x.date}` : `t${x.dateTime.slice(0, 16)}`);
  const same = value(base.start) === value(times.start) && value(base.end) === value(times.end) && (times.timeZone ?? base.timeZone) === base.timeZone;
  return same ? {} : times;
}

function changedDetails(base: CalendarEvent, d: ReturnType<ReturnType<typeof eventFields>['details']>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (d.title !== base.title) out.title = d.title;
  if (d.description !== base.description) out.description = d.description;
  if (d.programme !== base.programme) out.programme = d.programme;
  if (d.location.city !== base.location.city || d.location.country !== base.location.country || d.location.venue !== base.location.venue) out.location = d.location;
  return out;
}

const show = (v: unknown) => (v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v));

function diffTable(i18n: I18n, base: CalendarEvent, now: CalendarEvent, mine: Record<string, unknown>): HTMLElement {
  const keys = ['title', 'description', 'programme', 'location', 'timeZone', 'start', 'end', 'status'] as const;
  const rows = keys.filter((k) => JSON.stringify(base[k]) !== JSON.stringify(now[k]) || k in mine);
  return h(
    'table',
    { class: 'diff' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, i18n.t('conflict.field')),
        h('th', { scope: 'col' }, `v${base.version}`),
        h('th', { scope: 'col' }, i18n.t('conflict.theirs')),
        h('th', { scope: 'col' }, i18n.t('conflict.yours')),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((k) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, k),
          h('td', {}, show(base[k])),
          h('td', {}, JSON.stringify(base[k]) !== JSON.stringify(now[k]) ? h('ins', {}, show(now[k])) : show(now[k])),
          h('td', {}, k in mine ? show(mine[k]) : ''),
        ),
      ),
    ),
  );
}

/** The event form's fields; `times()` gives the API's start/end in the chosen form (dates or wall-clock date-times). */
function eventFields(i18n: I18n, ev?: CalendarEvent) {
  const { t } = i18n;
  const title = h('input', { type: 'text', name: 'title', required: true, value: ev?.title ?? '' });
  const description = h('textarea', { name: 'description' }, ev?.description ?? '');
  const programme = select(
    'programme',
    PROGRAMMES.map((p): [string, string] => [p, t(`programme.${p}`)]),
    ev?.programme ?? 'culture',
  );
  const city = h('input', { type: 'text', name: 'city', required: true, value: ev?.location.city ?? '' });
  const country = select(
    'country',
    COUNTRIES.map((c): [string, string] => [c, countryName(c, i18n.locale)]),
    ev?.location.country ?? 'CN',
  );
  const venue = h('input', { type: 'text', name: 'venue', value: ev?.location.venue ?? '' });
  const timeZone = h('input', { type: 'text', name: 'timeZone', value: ev?.timeZone ?? '', placeholder: 'Asia/Shanghai' });
  const allDay = h('input', { type: 'checkbox', name: 'allDay', checked: ev ? isAllDay(ev.start) : true });
  const rule = h('input', { type: 'text', name: 'recurrence', placeholder: 'RRULE:FREQ=WEEKLY;COUNT=10' });
  const value = (x: EventTime | undefined) => (!x ? '' : 'date' in x ? x.date : x.dateTime.slice(0, 16));
  const start = h('input', { type: 'date', name: 'start', required: true, value: value(ev?.start) });
  const end = h('input', { type: 'date', name: 'end', required: true, value: value(ev?.end) });
  const syncKind = () => {
    for (const i of [start, end]) {
      const old = i.value;
      i.type = allDay.checked ? 'date' : 'datetime-local';
      i.value = allDay.checked ? old.slice(0, 10) : old.length === 10 ? `${old}T09:00` : old;
    }
  };
  allDay.addEventListener('change', syncKind);
  syncKind();
  const detailsEl = [
    field(t('form.title'), title),
    field(t('form.description'), description),
    h('div', { class: 'row' }, field(t('form.programme'), programme), field(t('form.city'), city), field(t('form.country'), country), field(t('form.venue'), venue)),
  ];
  const timesEl = h('div', { class: 'row' }, h('label', {}, allDay, ' ', t('form.allDay')), field(t('form.start'), start), field(t('form.end'), end), field(t('form.timeZone'), timeZone));
  return {
    el: [detailsEl, timesEl, field(t('form.recurrence'), rule, t('form.recurrenceHint'))],
    rule,
    /** RFC 5545 lines (RRULE, EXDATE, RDATE), separated by spaces or newlines. */
    recurrence: () => (rule.value.trim() ? { recurrence: rule.value.split(/\s*\n\s*|\s+(?=(?:RRULE|EXDATE|RDATE)[:;])/).filter(Boolean) } : {}),
    detailsEl,
    timesEl,
    details: () => ({ title: title.value, description: description.value, programme: programme.value, location: { city: city.value, country: country.value, venue: venue.value || null } }),
    times: () => {
      const tm = (v: string): EventTime => (allDay.checked ? { date: v } : { dateTime: v });
      return { start: tm(start.value), end: tm(end.value), ...(timeZone.value ? { timeZone: timeZone.value } : {}) };
    },
  };
}
