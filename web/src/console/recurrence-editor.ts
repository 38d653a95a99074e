import { api, problemText, type CalendarEvent } from '../shared/api';
import { field, h, replace, select } from '../shared/dom';
import type { I18n } from '../shared/i18n';
import { visitorZone } from '../shared/time';
import type { Session } from './session';

const DAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
/** BYDAY ordinals the editor offers (every, first … fourth, last); RFC 5545 allows more, typed by hand. */
const ORDINALS = ['', '1', '2', '3', '4', '-1'] as const;
const FREQUENCIES = ['', 'DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'] as const;

interface Preview {
  event: CalendarEvent;
  instances: CalendarEvent[];
  more: boolean;
}

/**
 * Builds the RRULE line from a few controls and writes it into the form's `recurrence` field
 * (its EXDATE/RDATE lines kept), then previews the next instances. The preview is the server's
 * (POST /v1/events/preview): the domain's own expansion at the venue's wall clock, its DST rules
 * and its refusals, rather than a second implementation in the browser that could drift from it.
 */
export function recurrenceEditor(i18n: I18n, session: Session, rule: HTMLInputElement, body: () => Record<string, unknown>): { el: HTMLElement; refresh: () => void } {
  const { t } = i18n;
  const freq = select(
    'freq',
    FREQUENCIES.map((f): [string, string] => [f, t(f ? `rrule.freq.${f}` : 'rrule.freq.none')]),
  );
  freq.id = 'rrule-freq';
  const interval = h('input', { type: 'number', id: 'rrule-interval', name: 'interval', min: 1, max: 1000, value: 1 });
  const days = DAYS.map((d) => {
    const box = h('input', { type: 'checkbox', name: 'byday', value: d });
    const ordinal = select(
      `ordinal-${d}`,
      ORDINALS.map((o): [string, string] => [o, t(o ? `rrule.ordinal.${o}` : 'rrule.ordinal.every')]),
    );
    ordinal.setAttribute('aria-label', t('rrule.ordinalOf', { day: t(`rrule.day.${d}`) }));
    return { d, box, ordinal, el: h('span', { class: 'day' }, h('label', {}, box, ' ', t(`rrule.day.${d}`)), ' ', ordinal) };
  });
  const ends = select('ends', [
    ['never', t('rrule.ends.never')],
    ['count', t('rrule.ends.count')],
    ['until', t('rrule.ends.until')],
  ]);
  ends.id = 'rrule-ends';
  const count = h('input', { type: 'number', id: 'rrule-count', name: 'count', min: 1, max: 730, value: 10 });
  const until = h('input', { type: 'date', id: 'rrule-until', name: 'until' });
  const countField = field(t('rrule.count'), count);
  const untilField = field(t('rrule.until'), until);
  const list = h('ol', { id: 'recurrence-preview' });
  const note = h('p', { id: 'recurrence-preview-status', role: 'status', 'aria-live': 'polite' });

  /** Only the controls that mean something for the chosen frequency are shown. */
  const sync = () => {
    const on = freq.value !== '';
    const ordinals = freq.value === 'MONTHLY' || freq.value === 'YEARLY';
    for (const x of days) x.ordinal.hidden = !ordinals;
    controls.hidden = !on;
    countField.hidden = ends.value !== 'count';
    untilField.hidden = ends.value !== 'until';
  };

  const build = (): string => {
    if (!freq.value) return '';
    const parts = [`FREQ=${freq.value}`];
    const n = Math.max(1, Math.floor(Number(interval.value) || 1));
    if (n > 1) parts.push(`INTERVAL=${n}`);
    const ordinals = freq.value === 'MONTHLY' || freq.value === 'YEARLY';
    const byday = days.filter((x) => x.box.checked).map((x) => `${ordinals ? x.ordinal.value : ''}${x.d}`);
    if (byday.length > 0) parts.push(`BYDAY=${byday.join(',')}`);
    if (ends.value === 'count' && count.value) parts.push(`COUNT=${count.value}`);
    if (ends.value === 'until' && until.value) parts.push(`UNTIL=${until.value.replaceAll('-', '')}`);
    return `RRULE:${parts.join(';')}`;
  };

  /** The rule into the field; lines the editor does not make (EXDATE, RDATE) stay. */
  const write = () => {
    sync();
    const others = rule.value.split(/\s*\n\s*|\s+(?=(?:RRULE|EXDATE|RDATE)[:;])/).filter((l) => l && !/^RRULE[:;]/i.test(l));
    rule.value = [build(), ...others].filter(Boolean).join('\n');
    refresh();
  };

  let timer: ReturnType<typeof setTimeout> | undefined;
  let asked = 0;
  /** Debounced: the preview follows typing without a request per key. */
  const refresh = () => {
    sync();
    clearTimeout(timer);
    // No rule (e.g. the form was just reset after saving): nothing to preview, cleared at once.
    if (!body().recurrence) {
      asked++;
      replace(list);
      note.textContent = '';
      return;
    }
    timer = setTimeout(() => void show(), 300);
  };
  const show = async () => {
    const mine = ++asked;
    const b = body();
    const r = await api<Preview>('POST', '/v1/events/preview', { token: session.token, body: { ...b, title: (b.title as string) || '—' } });
    if (mine !== asked) return; // a newer change asked meanwhile
    if (!r.ok) {
      replace(list);
      note.className = 'error';
      note.textContent = t('rrule.previewFailed', { detail: problemText(r.problem) });
      return;
    }
    const { event, instances, more } = r.body;
    const venue = new Intl.DateTimeFormat(i18n.formatLocale, { dateStyle: 'full', timeStyle: 'short', timeZone: event.timeZone });
    const mineZone = new Intl.DateTimeFormat(i18n.formatLocale, { dateStyle: 'medium', timeStyle: 'short', timeZone: visitorZone() });
    const days = new Intl.DateTimeFormat(i18n.formatLocale, { dateStyle: 'full', timeZone: 'UTC' });
    note.className = '';
    note.textContent = t('rrule.previewHeading', { count: instances.length, zone: event.timeZone, more: more ? 'yes' : 'no' });
    replace(
      list,
      instances.map((o) =>
        h(
          'li',
          { 'data-starts-at': o.startsAt },
          'date' in o.start
            ? days.format(new Date(`${o.start.date}T00:00:00Z`))
            : [venue.format(new Date(o.startsAt)), ' ', h('small', {}, `(${event.timeZone}; ${t('rrule.yourTime', { time: mineZone.format(new Date(o.startsAt)) })})`)],
        ),
      ),
    );
  };

  for (const c of [freq, interval, ends, count, until, ...days.flatMap((x) => [x.box, x.ordinal])]) {
    c.addEventListener('change', write);
    c.addEventListener('input', write);
  }
  const controls = h(
    'div',
    { class: 'row' },
    field(t('rrule.interval'), interval),
    h(
      'fieldset',
      { class: 'days' },
      h('legend', {}, t('rrule.onDays')),
      days.map((x) => x.el),
    ),
    field(t('rrule.ends'), ends),
    countField,
    untilField,
  );
  sync();
  const el = h('fieldset', { id: 'recurrence-editor', class: 'panel' }, h('legend', {}, t('rrule.heading')), field(t('rrule.freq'), freq), controls, note, list);
  return { el, refresh };
}
