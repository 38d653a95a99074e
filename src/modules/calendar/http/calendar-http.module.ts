import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { ReadRoutingMiddleware } from '../../../database/read-routing';
import { CalendarModule } from '../calendar.module';
import { CalendarController } from './calendar.controller';

/** The calendar's public reads (api and all roles), served by the read replica when there is one. */
@Module({ imports: [CalendarModule], controllers: [CalendarController] })
export class CalendarHttpModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(ReadRoutingMiddleware).forRoutes(CalendarController);
  }
}
