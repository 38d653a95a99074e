import { Module } from '@nestjs/common';
import { CalendarModule } from '../../calendar/calendar.module';
import { AuditModule } from '../audit.module';
import { AuditController } from './audit.controller';

/** Auditors' HTTP reads (api and all roles). */
@Module({ imports: [AuditModule, CalendarModule], controllers: [AuditController] })
export class AuditHttpModule {}
