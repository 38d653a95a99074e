import { Module } from '@nestjs/common';
import { SchedulingModule } from '../scheduling.module';
import { EventsController } from './events.controller';
import { ImportsController } from './imports.controller';

@Module({ imports: [SchedulingModule], controllers: [EventsController, ImportsController] })
export class SchedulingHttpModule {}
