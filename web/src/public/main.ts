import { Calendar, type EventInput } from '@fullcalendar/core';
import allLocales from '@fullcalendar/core/locales-all';
import dayGridPlugin from '@fullcalendar/daygrid';
import listPlugin from '@fullcalendar/list';
import timeGridPlugin from '@fullcalendar/timegrid';
import '../shared/styles.css';
import { COUNTRIES, PROGRAMMES, api, isAllDay, listEvents, nextDay, problemText, type CalendarEvent } from '../shared/api';
import { field, h, replace, select } from '../shared/dom';
import { createI18n, pickLocale, type I18n } from '../shared/i18n';
import { languagePicker } from '../shared/shell';
import { countryName, formatSpan, visitorZone } from '../shared/time';

const i18n = createI18n(pickLocale(location.search, navigator.languages), navigator.languages);
document.documentElement.lang = i18n.locale;
document.title = i18n.t('app.title');
const root = document.getElementById('app')!;

function header(): HTMLElement {
  return h(
    'header',
    { class: 'top' },
    h('a', { href: `/${location.search}`, class: 'brand' }, i18n.t('app.title')),
    h('nav', { 'aria-label': 'main' }, h('a', { href: '/console' }, i18n.t('nav.console')), languagePicker(i18n)),
  );
}

const programmeName = (p: string | null) => (p ? i18n.t(`programme.${p}` as Parameters<I18n['t']>[0]) : '—');

function toInput(ev: CalendarEvent): EventInput {
  const common = {
    id: ev.id,
    title: ev.title,
    url: `/events/${encodeURIComponent(ev.id)}${location.search}`,
    classNames: [`programme-${ev.programme ?? 'none'}`],
    extendedProps: { country: ev.location.country },
  };
  // All-day events are dates at the venue: the same days in every zone, end exclusive for the grid.
  if (isAllDay(ev.start) && isAllDay(ev.end)) return { ...common, start: ev.start.date, end: nextDay(ev.end.date), allDay: true };
  return { ...common, start: ev.startsAt, end: ev.endsAt, allDay: false };
}

function calendarPage(): void {
  const params = new URLSearchParams(location.search);
  const country = select('country', [['', i18n.t('filters.all')], ...COUNTRIES.map((c): [string, string] => [c, countryName(c, i18n.locale)])], params.get('country') ?? '');
  const programme = select('programme', [['', i18n.t('filters.all')], ...PROGRAMMES.map((p): [string, string] => [p, programmeName(p)])], params.get('programme') ?? '');
  const count = h('p', { id: 'event-count', 'aria-live': 'polite' });
  const calendarEl = h('div', { id: 'calendar' });
  const feed = h('p', { class: 'feed' });
  const filters = () => ({ ...(country.value ? { country: country.value } : {}), ...(programme.value ? { programme: programme.value } : {}) });

  function updateFeed(): void {
    const q = new URLSearchParams(filters()).toString();
    const path = `/v1/calendar.ics${q ? `?${q}` : ''}`;
    replace(feed, h('a', { href: `webcal://${location.host}${path}`, id: 'webcal-link' }, i18n.t('feed.webcal')), ' · ', h('a', { href: path }, i18n.t('feed.ics')));
  }

  const calendar = new Calendar(calendarEl, {
    plugins: [dayGridPlugin, timeGridPlugin, listPlugin],
    locales: allLocales,
    locale: i18n.locale,
    timeZone: 'local',
    initialView: params.get('view') ?? 'dayGridMonth',
    initialDate: params.get('date') ?? undefined,
    headerToolbar: { left: 'prev,next today', center: 'title', right: 'dayGridMonth,timeGridWeek,listMonth' },
    // Text arrows: the icon font's glyphs carry role=img without a text alternative (axe: role-img-alt).
    buttonIcons: false,
    buttonText: { prev: '‹', next: '›' },
    height: 'auto',
    events: (info, success, failure) => {
      listEvents({ from: info.start.toISOString(), to: info.end.toISOString(), ...filters() })
        .then((items) => {
          count.textContent = i18n.t('events.count', { count: items.length });
          success(items.map(toInput));
        })
        .catch((err: Error) => failure(err));
    },
  });

  const onFilter = () => {
    const u = new URL(location.href);
    for (const [k, v] of [
      ['country', country.value],
      ['programme', programme.value],
    ]) {
      if (v) u.searchParams.set(k, v);
      else u.searchParams.delete(k);
    }
    history.replaceState(null, '', u);
    updateFeed();
    calendar.refetchEvents();
  };
  country.addEventListener('change', onFilter);
  programme.addEventListener('change', onFilter);
  updateFeed();

  replace(
    root,
    header(),
    h(
      'main',
      {},
      h('section', { class: 'filters', 'aria-label': i18n.t('filters.heading') }, field(i18n.t('filters.country'), country), field(i18n.t('filters.programme'), programme)),
      h('p', { class: 'zone' }, i18n.t('zone.note', { zone: visitorZone() })),
      count,
      calendarEl,
      h('section', { class: 'subscribe' }, h('h2', {}, i18n.t('feed.heading')), feed, subscribeForm(filters)),
    ),
  );
  calendar.render();
}

function subscribeForm(filters: () => Record<string, string>): HTMLElement {
  const email = h('input', { type: 'email', name: 'email', required: true, autocomplete: 'email' });
  const name = h('input', { type: 'text', name: 'name', autocomplete: 'name' });
  const status = h('p', { role: 'status', id: 'subscribe-status' });
  const form = h(
    'form',
    { id: 'subscribe-form' },
    h('h3', {}, i18n.t('subscribe.heading')),
    h('p', {}, i18n.t('subscribe.filters')),
    field(i18n.t('subscribe.email'), email),
    field(i18n.t('subscribe.name'), name),
    h('button', { type: 'submit' }, i18n.t('subscribe.submit')),
    status,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const f = filters();
    const body = { email: email.value, ...(name.value ? { name: name.value } : {}), countries: f.country ? [f.country] : [], programmes: f.programme ? [f.programme] : [], locale: i18n.locale };
    void api('POST', '/v1/subscriptions', { body }).then((r) => {
      status.textContent = r.ok ? i18n.t('subscribe.sent') : problemText(r.problem);
    });
  });
  return form;
}

async function eventPage(id: string): Promise<void> {
  const r = await api<CalendarEvent>('GET', `/v1/events/${encodeURIComponent(id)}`);
  const back = h('a', { href: `/${location.search}` }, i18n.t('event.back'));
  if (!r.ok) {
    replace(root, header(), h('main', {}, h('h1', {}, i18n.t('event.notFound')), h('p', {}, problemText(r.problem)), back));
    return;
  }
  const ev = r.body;
  document.title = `${ev.title} — ${i18n.t('app.title')}`;
  const zone = visitorZone();
  const where = [ev.location.venue, ev.location.city, countryName(ev.location.country, i18n.locale)].filter(Boolean).join(', ');
  replace(
    root,
    header(),
    h(
      'main',
      { class: 'event' },
      h('h1', {}, ev.title),
      ev.status === 'cancelled' ? h('p', { class: 'cancelled' }, i18n.t('event.cancelled', { reason: ev.cancelReason ?? '' })) : null,
      h(
        'dl',
        {},
        h('dt', {}, i18n.t('event.venueTime', { zone: ev.timeZone })),
        h('dd', { id: 'venue-time' }, formatSpan(ev, ev.timeZone, i18n.formatLocale)),
        isAllDay(ev.start) ? null : [h('dt', {}, i18n.t('event.yourTime', { zone })), h('dd', { id: 'visitor-time' }, formatSpan(ev, zone, i18n.formatLocale))],
        h('dt', {}, i18n.t('event.where')),
        h('dd', {}, where),
        h('dt', {}, i18n.t('event.programme')),
        h('dd', {}, programmeName(ev.programme)),
      ),
      ev.description ? h('p', { class: 'description' }, ev.description) : null,
      back,
    ),
  );
}

const m = /^\/events\/([^/]+)$/.exec(location.pathname);
if (m) void eventPage(decodeURIComponent(m[1]));
else calendarPage();
