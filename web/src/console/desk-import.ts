import { api, problemText, type ApiResult, type CalendarEvent, type EventTime } from '../shared/api';
import { field, h, replace } from '../shared/dom';
import type { I18n } from '../shared/i18n';
import { countryName, formatSpan } from '../shared/time';
import type { Session } from './session';

interface Row {
  line: number;
  id?: string;
  title?: string;
  text?: string;
  reason?: string;
  location?: { city: string; country: string; venue: string | null };
  start?: EventTime;
  end?: EventTime;
  timeZone?: string;
  startsAt?: string;
  endsAt?: string;
}
export interface ImportReport {
  summary: { created: number; skipped: number; failed: number };
  created: Row[];
  skipped: Row[];
  failed: Row[];
}

type Outcome = 'create' | 'skip' | 'fail';

/**
 * Import a listing in the office's "When Where" format: paste or pick a file, preview what each
 * row becomes (POST /v1/imports/preview appends nothing), then import (POST /v1/imports).
 * `imported` is called with the import's answer, so the desk can wait for the calendar to show it.
 */
export function importPanel(i18n: I18n, session: Session, imported: (r: ApiResult<ImportReport>) => Promise<void>): HTMLElement {
  const { t } = i18n;
  const text = h('textarea', { id: 'import-text', name: 'listing', rows: 6, placeholder: 'When Where\n28 October 2013 Ulaanbaatar, Mongolia …' });
  const file = h('input', { type: 'file', id: 'import-file', accept: '.txt,text/plain' });
  const previewButton = h('button', { type: 'submit', id: 'import-preview' }, t('import.preview'));
  const run = h('button', { type: 'button', id: 'import-run', disabled: true }, t('import.run'));
  const status = h('p', { id: 'import-status', role: 'status', 'aria-live': 'polite' });
  const table = h('div', { id: 'import-rows' });
  /** The text the shown preview was made from: importing anything else would import what was not previewed. */
  let previewed: string | null = null;

  const say = (kind: 'ok' | 'error' | '', message: string) => {
    status.className = kind;
    status.textContent = message;
  };
  text.addEventListener('input', () => {
    run.disabled = text.value !== previewed;
  });
  file.addEventListener('change', () => {
    const f = file.files?.[0];
    if (!f) return;
    void f.text().then((content) => {
      text.value = content;
      run.disabled = true;
    });
  });

  const form = h(
    'form',
    { id: 'import-form', class: 'panel' },
    h('h2', {}, t('import.heading')),
    field(t('import.text'), text, t('import.hint')),
    field(t('import.file'), file),
    h('div', { class: 'row' }, previewButton, run),
    status,
    table,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const body = text.value;
    say('', t('import.previewing'));
    void api<ImportReport>('POST', '/v1/imports/preview', { token: session.token, body }).then((r) => {
      if (!r.ok) {
        previewed = null;
        run.disabled = true;
        replace(table);
        return say('error', t('status.failed', { detail: problemText(r.problem) }));
      }
      previewed = body;
      run.disabled = text.value !== previewed || r.body.summary.created === 0;
      say('', t('import.previewSummary', r.body.summary));
      replace(table, rowsTable(i18n, r.body));
    });
  });
  run.addEventListener('click', () => {
    if (previewed === null) return;
    run.disabled = true;
    say('', t('status.saving'));
    void api<ImportReport>('POST', '/v1/imports', { token: session.token, body: previewed }).then(async (r) => {
      if (!r.ok) return say('error', t('status.failed', { detail: problemText(r.problem) }));
      previewed = null;
      say('ok', t('import.done', r.body.summary));
      replace(table, rowsTable(i18n, r.body, true));
      await imported(r);
    });
  });
  return form;
}

/** Every row in listing order, with what it becomes (or became): created, skipped (already imported) or failed, and why. */
function rowsTable(i18n: I18n, report: ImportReport, done = false): HTMLElement {
  const { t } = i18n;
  const rows: Array<{ outcome: Outcome; row: Row }> = [
    ...report.created.map((row) => ({ outcome: 'create' as const, row })),
    ...report.skipped.map((row) => ({ outcome: 'skip' as const, row })),
    ...report.failed.map((row) => ({ outcome: 'fail' as const, row })),
  ].sort((a, b) => a.row.line - b.row.line);
  const when = (r: Row): string => {
    if (!r.start || !r.end) return '';
    // Listing rows are days: formatSpan shows them as the venue's dates, the same in every zone.
    const ev = { start: r.start, end: r.end, startsAt: r.startsAt ?? '', endsAt: r.endsAt ?? '' } as CalendarEvent;
    return formatSpan(ev, r.timeZone ?? 'UTC', i18n.formatLocale);
  };
  return h(
    'table',
    { id: 'import-table' },
    h('caption', {}, t(done ? 'import.resultCaption' : 'import.previewCaption')),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, t('import.line')),
        h('th', { scope: 'col' }, t('form.title')),
        h('th', { scope: 'col' }, t('event.when')),
        h('th', { scope: 'col' }, t('event.where')),
        h('th', { scope: 'col' }, t('form.timeZoneShort')),
        h('th', { scope: 'col' }, t('import.outcome')),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map(({ outcome, row }) =>
        h(
          'tr',
          { 'data-line': row.line, 'data-outcome': outcome },
          h('td', {}, row.line),
          h('td', {}, row.title ?? row.text ?? ''),
          h('td', {}, when(row)),
          h('td', {}, row.location ? `${row.location.city}, ${countryName(row.location.country, i18n.locale)}` : ''),
          h('td', {}, row.timeZone ?? ''),
          h(
            'td',
            { class: outcome === 'fail' ? 'error' : '' },
            outcome === 'create'
              ? t(done ? 'import.created' : 'import.willCreate')
              : outcome === 'skip'
                ? t(done ? 'import.skipped' : 'import.willSkip')
                : t('import.failed', { reason: row.reason ?? '' }),
          ),
        ),
      ),
    ),
  );
}
