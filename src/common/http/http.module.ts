import { CanActivate, DynamicModule, Module, Type } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { ContentTypeGuard } from './content-type.guard';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { ProblemFilter } from './problem.filter';
import { createValidationPipe } from './validation';

/**
 * The HTTP contract's cross-cutting rules. Guards run in this order: 401/403 before 415. The
 * access guard is handed in by the application (it lives with the token verification), so this
 * shared layer never depends on a module.
 */
@Module({})
export class HttpCommonModule {
  static forRoot(accessGuard: Type<CanActivate>): DynamicModule {
    return {
      module: HttpCommonModule,
      providers: [
        { provide: APP_GUARD, useClass: accessGuard },
        { provide: APP_GUARD, useClass: ContentTypeGuard },
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }
}
