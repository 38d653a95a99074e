import { AuditLogReader, LogFilters, toChainRow } from '../log/audit-log.reader';
import { EXPORT_FORMAT, ExportHeaderLine, ExportSummaryLine, StreamSummaryLine } from '../verification/export-format';

/**
 * The export's lines (see export-format.ts), every one read from the same snapshot so the
 * summaries describe exactly the events above them. A generator: the HTTP response pulls a
 * line when the client is ready for it, so a slow client never makes the server buffer.
 */
export async function* exportLines(reader: AuditLogReader, filters: LogFilters): AsyncGenerator<string> {
  const snapshot = await reader.snapshot();
  const header: ExportHeaderLine = {
    kind: 'export-header',
    format: EXPORT_FORMAT,
    exportedAt: new Date().toISOString(),
    // Only a stream filter or an upper time bound keeps every exported stream a whole prefix.
    complete: !filters.type && !filters.actor && !filters.from,
    filters: describe(filters),
    snapshot,
  };
  yield `${JSON.stringify(header)}\n`;
  let count = 0;
  for await (const rows of reader.byPosition(filters, snapshot)) {
    count += rows.length;
    yield rows.map((r) => `${JSON.stringify(toChainRow(r))}\n`).join('');
  }
  let streams = 0;
  for await (const rows of reader.streamSummaries(filters, snapshot)) {
    streams += rows.length;
    yield rows
      .map((s) => `${JSON.stringify({ kind: 'stream-summary', streamId: s.stream_id, version: s.version, lastHash: s.hash, events: s.events } satisfies StreamSummaryLine)}\n`)
      .join('');
  }
  yield `${JSON.stringify({ kind: 'export-summary', count, streams } satisfies ExportSummaryLine)}\n`;
}

function describe(f: LogFilters): Record<string, string> {
  const out: Record<string, string> = {};
  if (f.type) out.type = f.type;
  if (f.actor) out.actor = f.actor;
  if (f.stream) out.stream = f.stream;
  if (f.from) out.from = f.from.toISOString();
  if (f.to) out.to = f.to.toISOString();
  return out;
}
