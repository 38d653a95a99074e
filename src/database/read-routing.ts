import { Global, Inject, Injectable, Module, NestMiddleware, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AsyncLocalStorage } from 'node:async_hooks';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/config';
import { dataSourceOptions } from './database';

const READ_REPLICA = Symbol('READ_REPLICA');
const REPLAY_POLL_MS = 25;
/** How long a read that needs a write waits for the replica before reading from the primary. */
const REPLICA_WAIT_MS = 1000;

interface Route {
  replica: boolean;
}

/**
 * Where a read goes. With DATABASE_READ_URL set, the public reads of a request marked by
 * `ReadRoutingMiddleware` go to the streaming replica; everything else (commands, the log,
 * projections, jobs, audit) stays on the primary. A read that must see a write
 * (X-Min-Log-Position) goes to the replica only once the replica has replayed it, else to the
 * primary (`ensureReplayed`).
 */
@Injectable()
export class ReadRouting {
  private readonly routes = new AsyncLocalStorage<Route>();

  constructor(
    @InjectDataSource() private readonly primary: DataSource,
    @Inject(READ_REPLICA) private readonly replica: DataSource | null,
  ) {}

  get replicated(): boolean {
    return this.replica !== null;
  }

  /** The data source for this request's public reads. */
  get db(): DataSource {
    return this.replica && this.routes.getStore()?.replica ? this.replica : this.primary;
  }

  /** Runs `next` with this request's reads routed to the replica (when there is one). */
  run(next: () => void): void {
    this.routes.run({ replica: true }, next);
  }

  /**
   * Called once the primary shows what a read waits for: the replica serves the read when it
   * has replayed the primary's WAL up to now (which includes that commit) within a second;
   * otherwise this request reads from the primary.
   */
  async ensureReplayed(readDeadline: number): Promise<void> {
    const deadline = Math.min(readDeadline, Date.now() + REPLICA_WAIT_MS);
    const route = this.routes.getStore();
    if (!this.replica || !route?.replica) return;
    const [{ lsn }] = (await this.primary.query('SELECT pg_current_wal_lsn()::text AS lsn')) as { lsn: string }[];
    for (;;) {
      const replayed = await this.replayedSince(lsn).catch(() => false);
      if (replayed) return;
      if (Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, Math.min(REPLAY_POLL_MS, Math.max(0, deadline - Date.now()))));
    }
    route.replica = false;
  }

  private async replayedSince(lsn: string): Promise<boolean> {
    const [row] = (await this.replica!.query('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [lsn])) as { ok: boolean | null }[];
    return row?.ok === true;
  }

  /** The replica's lag behind the primary, for readiness: bytes of WAL not replayed, and seconds since its last replayed commit. */
  async lag(): Promise<{ bytes: number; seconds: number } | null> {
    if (!this.replica) return null;
    const [{ lsn }] = (await this.primary.query('SELECT pg_current_wal_lsn()::text AS lsn')) as { lsn: string }[];
    const [r] = (await this.replica.query(
      `SELECT pg_is_in_recovery() AS standby, coalesce(pg_wal_lsn_diff($1::pg_lsn, pg_last_wal_replay_lsn()), 0)::float8 AS bytes,
              CASE WHEN pg_last_wal_replay_lsn() >= $1::pg_lsn THEN 0 ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END::float8 AS seconds`,
      [lsn],
    )) as { standby: boolean; bytes: number; seconds: number }[];
    if (!r.standby) throw new Error('DATABASE_READ_URL is not a streaming replica (pg_is_in_recovery() is false)');
    return { bytes: Math.max(0, r.bytes), seconds: r.seconds };
  }
}

/** Marks a request whose reads may be served by the replica. */
@Injectable()
export class ReadRoutingMiddleware implements NestMiddleware {
  constructor(private readonly routing: ReadRouting) {}

  use(_req: unknown, _res: unknown, next: () => void): void {
    this.routing.run(next);
  }
}

@Injectable()
class ReplicaCloser implements OnApplicationShutdown {
  constructor(@Inject(READ_REPLICA) private readonly replica: DataSource | null) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.replica?.isInitialized) await this.replica.destroy();
  }
}

/** The read replica (DATABASE_READ_URL) when configured, and the routing of reads to it. */
@Global()
@Module({
  providers: [
    {
      provide: READ_REPLICA,
      inject: [APP_CONFIG],
      useFactory: async (c: AppConfig): Promise<DataSource | null> => {
        if (!c.DATABASE_READ_URL) return null;
        const ds = new DataSource({ ...dataSourceOptions({ url: c.DATABASE_READ_URL, poolSize: 20, applicationName: 'almanac-reads' }), migrations: [] });
        return ds.initialize();
      },
    },
    ReadRouting,
    ReadRoutingMiddleware,
    ReplicaCloser,
  ],
  exports: [ReadRouting, ReadRoutingMiddleware],
})
export class ReadRoutingModule {}
