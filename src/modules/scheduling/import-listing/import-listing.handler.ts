import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DomainError } from '../../../common/domain/domain-error';
import { CalendarEventRepository } from '../calendar-event.repository';
import { resolveTimeZone } from '../places/time-zone.resolver';
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
      const zone = resolveTimeZone(row.city, row.country);
      if ('error' in zone) {
        report.failed.push({ line: row.line, text: `${row.city}, ${row.countryName} ${row.title}`, reason: zone.error });
      } else {
        try {
          const out = await this.events.execute(
            id,
            { kind: 'schedule', title: row.title, description: '', programme: null, location: { city: row.city, country: row.country, venue: null }, timeZone: zone.timeZone, start: row.start, end: row.end },
            { metadata: { ...c.metadata, causationId: `${c.metadata.causationId}#line-${row.line}` } },
          );
          report.created.push({ line: row.line, id, title: row.title });
          report.position = out.position;
        } catch (err) {
          if (err instanceof DomainError && err.code === 'EVENT_ALREADY_EXISTS') report.skipped.push({ line: row.line, id, title: row.title, reason: 'already imported' });
          else if (err instanceof DomainError) report.failed.push({ line: row.line, text: row.title, reason: err.message });
          else throw err;
        }
      }
      c.onProgress?.(++done, rows.length);
    }
    report.failed.sort((a, b) => a.line - b.line);
    return report;
  }
}
