import { ApiOkResponse, ApiProduces } from '@nestjs/swagger';
import { AuditCalendarPageSchema, AuditLogPageSchema, VerifyReportSchema } from './audit.schemas';
import { Controller, Get, Headers, Logger, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { Roles } from '../../../common/http/access';
import { validationProblem } from '../../../common/http/problem';
import { toFilters } from '../../calendar/list-events/filters';
import { ReadModelWaiter } from '../../../projections/read-model.waiter';
import { AuditCalendarPage, AuditCalendarQuery } from '../audit-calendar/audit-calendar.query';
import { ExportLogQuery } from '../export-log/export-log.query';
import { HISTORY_PROJECTION } from '../history/history-row';
import { AuditLogPage, ReadAuditLogQuery } from '../read-audit-log/read-audit-log.query';
import type { VerifyReport } from '../verification/chain-verifier';
import { NDJSON } from '../verification/export-format';
import { VerifyLogQuery } from '../verify-log/verify-log.query';
import { AuditCalendarDto, AuditLogDto, AuditLogFiltersDto } from './audit-query.dto';
import { toInstant, toLogFilters } from './audit-filters';

const DEFAULT_CALENDAR_LIMIT = 100;
const DEFAULT_LOG_LIMIT = 100;

/**
 * Auditors' reads (auditor role): answered from the log alone, or from projections of it.
 * Times here are RECORDED times (when the log learned of a change), not event times.
 */
@Controller('v1/audit')
@Roles('auditor')
export class AuditController {
  private readonly logger = new Logger(AuditController.name);

  constructor(
    private readonly queries: QueryBus,
    private readonly waiter: ReadModelWaiter,
  ) {}

  /**
   * The calendar as it stood at recorded instant `asOf`, with GET /v1/events's filters and
   * defaults (status=scheduled; status=all includes cancelled events). Served from the
   * calendar-history projection; send X-Min-Log-Position to wait until it has caught up.
   */
  @Get('calendar')
  @ApiOkResponse({ type: AuditCalendarPageSchema })
  async calendar(@Query() dto: AuditCalendarDto, @Headers('x-min-log-position') minPosition: string | undefined): Promise<AuditCalendarPage> {
    const asOf = toInstant('asOf', dto.asOf);
    const filters = toFilters(dto);
    await this.waiter.waitForHeader(minPosition, HISTORY_PROJECTION);
    return this.queries.execute(new AuditCalendarQuery(asOf, filters, dto.limit ?? DEFAULT_CALENDAR_LIMIT, dto.cursor ?? null));
  }

  /**
   * The global log in POSITION order (data upcast). A page holds committed rows only, and
   * `nextAfter` is a position. Positions commit out of order under concurrency, so a row
   * whose transaction commits after you paged past its position shows up on no later page:
   * for a complete, consistent copy use /export (one snapshot), or re-read recent positions.
   * With `before` (a position, or `end` for the latest) the page is the entries just before it,
   * still in position order, and `prevBefore` pages further back.
   */
  @Get('log')
  @ApiOkResponse({ type: AuditLogPageSchema })
  log(@Query() dto: AuditLogDto): Promise<AuditLogPage> {
    if (dto.after !== undefined && dto.before !== undefined)
      throw validationProblem([{ field: 'before', message: 'give after (the entries after a position) or before (those just before it), not both' }]);
    return this.queries.execute(new ReadAuditLogQuery(toLogFilters(dto), dto.after ?? '0', dto.limit ?? DEFAULT_LOG_LIMIT, dto.before));
  }

  /**
   * The log as NDJSON, streamed: RAW stored events (data as stored, so every hash can be
   * checked offline), then per-stream and whole-file summaries. Pulled a line at a time with
   * backpressure, read from one snapshot in keyset batches: constant memory at any size.
   * A failure mid-stream cuts the response short; the missing final summary line shows it.
   */
  @Get('export')
  @ApiProduces('application/x-ndjson')
  @ApiOkResponse({
    description: 'an export-header line, one line per stored event, stream-summary lines and an export-summary line',
    content: { 'application/x-ndjson': { schema: { type: 'string' } } },
  })
  async export(@Query() dto: AuditLogFiltersDto, @Res() res: FastifyReply): Promise<void> {
    const lines = await this.queries.execute(new ExportLogQuery(toLogFilters(dto)));
    // The first line before any header: a database that is down is still a problem+json 503.
    const first = await lines.next();
    async function* all(): AsyncGenerator<string> {
      if (!first.done) yield first.value;
      yield* lines;
    }
    const body = Readable.from(all());
    // The client went away, or the database did: either way the response is already cut (and
    // the stream, destroyed, ends the log's reader).
    body.once('error', (err) => this.logger.warn({ err }, 'export stream ended early'));
    void res
      .code(200)
      .header('Content-Type', `${NDJSON}; charset=utf-8`)
      .header('Content-Disposition', `attachment; filename="almanac-export-${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}.ndjson"`)
      .header('Cache-Control', 'no-store')
      .send(body);
  }

  /** Walks every stream's hash chain over the RAW rows; 200 with `ok: false` when something is broken. */
  @Get('verify')
  @ApiOkResponse({ type: VerifyReportSchema, description: '200 with `ok: false` when a chain is broken' })
  verify(): Promise<VerifyReport> {
    return this.queries.execute(new VerifyLogQuery());
  }
}
