import { Module } from '@nestjs/common';
import { CalendarModule } from '../calendar.module';
import { CalendarController } from './calendar.controller';

/** The calendar's public reads (api and all roles). */
@Module({ imports: [CalendarModule], controllers: [CalendarController] })
export class CalendarHttpModule {}
