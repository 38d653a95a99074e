import { Module } from '@nestjs/common';
import { CalendarModule } from '../../calendar/calendar.module';
import { AuditModule } from '../audit.module';
import { TransparencyModule } from '../transparency/transparency.module';
import { AuditController } from './audit.controller';
import { TransparencyController } from './transparency.controller';

/** Auditors' HTTP reads (api and all roles). */
@Module({ imports: [AuditModule, CalendarModule, TransparencyModule], controllers: [AuditController, TransparencyController] })
export class AuditHttpModule {}
