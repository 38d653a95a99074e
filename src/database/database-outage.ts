import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Outage } from '../common/outage';
import { APP_CONFIG, AppConfig, redactUrl } from '../config/config';

/** PostgreSQL unreachable or going away (the pool, a LISTEN client, a statement in flight). */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string; driverError?: { code?: string } };
  const code = e?.code ?? e?.driverError?.code;
  if (code && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006', '53300'].includes(code)) return true;
  return typeof e?.message === 'string' && /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(e.message);
}

/**
 * While PostgreSQL is away every job, LISTEN retry and request fails with a connection error;
 * they report here instead, so the outage is one warning when it starts and one when
 * `SELECT 1` works again.
 */
@Injectable()
export class DatabaseOutageMonitor implements OnApplicationShutdown {
  private readonly outage: Outage;

  constructor(@Inject(APP_CONFIG) config: AppConfig, @InjectDataSource() db: DataSource) {
    this.outage = new Outage(new Logger('PostgreSQL'), { name: 'PostgreSQL', event: 'database', url: redactUrl(config.DATABASE_URL) }, () => db.query('SELECT 1'));
  }

  /** True when `err` means the database cannot be reached: then it is reported here, once per outage. */
  absorbs(err: unknown): boolean {
    if (!isDatabaseUnavailable(err)) return false;
    this.outage.failed(err);
    return true;
  }

  onApplicationShutdown(): void {
    this.outage.stop();
  }
}
