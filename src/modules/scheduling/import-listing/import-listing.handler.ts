import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DomainError } from '../../../common/domain/domain-error';
import type { CalendarEventOutcome } from '../calendar-event.command';
import { CalendarEventRepository } from '../calendar-event.repository';
import { eventAlreadyExists } from '../domain/errors';
import { timeZoneFor } from '../places/time-zone.resolver';
import { ImportListingCommand, ImportReport } from './import-listing.command';
import { listingRowId, parseListingInSlices } from './listing-parser';

/**
 * Each row is scheduled under an id derived from its content, so importing the same listing
 * again creates nothing; one bad row is reported and the others still import. A preview
 * decides each row on the same streams through the same decider and appends nothing.
 */
@CommandHandler(ImportListingCommand)
export class ImportListingHandler implements ICommandHandler<ImportListingCommand> {
  constructor(private readonly events: CalendarEventRepository) {}

  async execute(c: ImportListingCommand): Promise<ImportReport> {
    // In slices: a megabyte of listing is seconds of parsing, which must not stall other requests.
    const { rows, failures } = await parseListingInSlices(c.text);
    const report: ImportReport = { created: [], skipped: [], failed: [...failures], position: '0' };
    let done = 0;
    /** A preview appends nothing, so a row repeated in the listing must be skipped as the import's second append would be. */
    const previewed = new Set<string>();
    for (const row of rows) {
      const id = listingRowId(row);
      const location = { city: row.city, country: row.country, venue: null };
      const reported = { line: row.line, id, title: row.title, location, start: row.start, end: row.end };
      try {
        if (previewed.has(id)) throw eventAlreadyExists();
        const command = { kind: 'schedule', title: row.title, description: '', programme: null, location, timeZone: timeZoneFor(location), start: row.start, end: row.end } as const;
        let out: Omit<CalendarEventOutcome, 'position'>;
        if (c.preview) {
          out = await this.events.dryRun(id, command);
          previewed.add(id);
        } else {
          const appended = await this.events.execute(id, command, { metadata: { ...c.metadata, causationId: `${c.metadata.causationId}#line-${row.line}` } });
          report.position = appended.position;
          out = appended;
        }
        report.created.push({ ...reported, timeZone: out.state.timeZone, startsAt: out.state.instants?.startsAt, endsAt: out.state.instants?.endsAt });
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        if (err.code === 'EVENT_ALREADY_EXISTS') report.skipped.push({ ...reported, reason: 'already imported' });
        // A place that names no single zone is reported by its place, as the listing gives it.
        else report.failed.push({ line: row.line, text: err.code === 'TIME_ZONE_REQUIRED' ? `${row.city}, ${row.countryName} ${row.title}` : row.title, reason: err.message });
      }
      c.onProgress?.(++done, rows.length);
    }
    report.failed.sort((a, b) => a.line - b.line);
    return report;
  }
}
