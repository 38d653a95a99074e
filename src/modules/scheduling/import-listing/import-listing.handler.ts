import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DomainError } from '../../../common/domain/domain-error';
import { CalendarEventRepository } from '../calendar-event.repository';
import { timeZoneFor } from '../places/time-zone.resolver';
import { ImportListingCommand, ImportReport } from './import-listing.command';
import { listingRowId, parseListingInSlices } from './listing-parser';

/**
 * Each row is scheduled under an id derived from its content, so importing the same listing
 * again creates nothing; one bad row is reported and the others still import.
 */
@CommandHandler(ImportListingCommand)
export class ImportListingHandler implements ICommandHandler<ImportListingCommand> {
  constructor(private readonly events: CalendarEventRepository) {}

  async execute(c: ImportListingCommand): Promise<ImportReport> {
    // In slices: a megabyte of listing is seconds of parsing, which must not stall other requests.
    const { rows, failures } = await parseListingInSlices(c.text);
    const report: ImportReport = { created: [], skipped: [], failed: [...failures], position: '0' };
    let done = 0;
    for (const row of rows) {
      const id = listingRowId(row);
      try {
        const location = { city: row.city, country: row.country, venue: null };
        const out = await this.events.execute(
          id,
          { kind: 'schedule', title: row.title, description: '', programme: null, location, timeZone: timeZoneFor(location), start: row.start, end: row.end },
          { metadata: { ...c.metadata, causationId: `${c.metadata.causationId}#line-${row.line}` } },
        );
        report.created.push({ line: row.line, id, title: row.title });
        report.position = out.position;
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        if (err.code === 'EVENT_ALREADY_EXISTS') report.skipped.push({ line: row.line, id, title: row.title, reason: 'already imported' });
        // A place that names no single zone is reported by its place, as the listing gives it.
        else report.failed.push({ line: row.line, text: err.code === 'TIME_ZONE_REQUIRED' ? `${row.city}, ${row.countryName} ${row.title}` : row.title, reason: err.message });
      }
      c.onProgress?.(++done, rows.length);
    }
    report.failed.sort((a, b) => a.line - b.line);
    return report;
  }
}
