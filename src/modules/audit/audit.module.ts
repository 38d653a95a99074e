import { Module } from '@nestjs/common';
import { ProjectionsModule } from '../../projections/projections.module';
import { AuditCalendarHandler } from './audit-calendar/audit-calendar.handler';
import { ExportLogHandler } from './export-log/export-log.handler';
import { CalendarHistoryProjection } from './history/calendar-history.projection';
import { CalendarHistoryReadModel } from './history/calendar-history.read-model';
import { ReadAuditLogHandler } from './read-audit-log/read-audit-log.handler';
import { ReplayService } from './replay/replay.service';
import { TransparencyModule } from './transparency/transparency.module';
import { VerifyLogHandler } from './verify-log/verify-log.handler';

const handlers = [AuditCalendarHandler, ReadAuditLogHandler, ExportLogHandler, VerifyLogHandler];

/**
 * Audit: the calendar-history projection (discovered by the registry in every role), the
 * log reader, verification and replay. No HTTP: see AuditHttpModule.
 */
@Module({
  imports: [ProjectionsModule, TransparencyModule],
  providers: [CalendarHistoryProjection, CalendarHistoryReadModel, ReplayService, ...handlers],
  exports: [CalendarHistoryProjection, ReplayService],
})
export class AuditModule {}
