import { Global, Module } from '@nestjs/common';
import { TypeOrmModule, getDataSourceToken } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/config';
import { dataSourceOptions } from '../database/database';
import { DatabaseOutageMonitor } from '../database/database-outage';
import { AuditLogReader } from './audit-log.reader';
import { EventStore } from './event-store.port';
import { PostgresEventStore } from './postgres-event-store';
import { UpcasterRegistry, createUpcasters } from './upcasters';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({ ...dataSourceOptions({ url: config.DATABASE_URL, poolSize: 20 }), retryAttempts: 3, retryDelay: 1000 }),
    }),
  ],
  providers: [
    { provide: UpcasterRegistry, useFactory: createUpcasters },
    { provide: PostgresEventStore, inject: [getDataSourceToken(), UpcasterRegistry], useFactory: (db: DataSource, up: UpcasterRegistry) => new PostgresEventStore(db, up) },
    { provide: EventStore, useExisting: PostgresEventStore },
    AuditLogReader,
    DatabaseOutageMonitor,
  ],
  exports: [EventStore, PostgresEventStore, AuditLogReader, UpcasterRegistry, DatabaseOutageMonitor],
})
export class EventStoreModule {}
