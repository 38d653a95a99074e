import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { DatabaseOutageMonitor } from '../database/database-outage';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client, Notification } from 'pg';
import { DataSource } from 'typeorm';
import { ReadRouting } from '../database/read-routing';
import { DomainError } from '../common/domain/domain-error';
import { APP_CONFIG, AppConfig } from '../config/config';
import type { LogCheckpoint } from '../events/envelope';
import { EventStore } from '../events/event-store.port';
import { PROGRESS_CHANNEL } from './checkpoints';

const POLL_MS = 100;
const WAIT_MS = 5000;
/** After a failed LISTEN connection, poll only for this long before trying again. */
const RECONNECT_MS = 5000;

interface Tick {
  promise: Promise<void>;
  done(): void;
}

/**
 * Read-your-writes (`X-Min-Log-Position`, at most 5 s, then 503): holds a read until a projection has
 * applied a log position. Woken by the runner's NOTIFY on each batch commit, on one dedicated
 * connection per process; it polls every 100 ms as well, so a lost notification or a dropped
 * LISTEN connection costs latency, never a wrong answer.
 */
@Injectable()
export class ReadModelWaiter implements OnModuleDestroy {
  private readonly logger = new Logger(ReadModelWaiter.name);
  private client: Client | null = null;
  private connecting: Promise<void> | null = null;
  private lastFailure = 0;
  private closed = false;
  private readonly ticks = new Set<Tick>();
  private readonly progressListeners: ((checkpoint: string) => void)[] = [];
  private readonly listeningListeners: ((up: boolean) => void)[] = [];

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly database: DatabaseOutageMonitor,
    private readonly store: EventStore,
    private readonly reads: ReadRouting,
  ) {}

  /** `header`: the raw X-Min-Log-Position value (absent: nothing to wait for). */
  async waitForHeader(header: string | undefined, projection: string): Promise<void> {
    if (header === undefined) return;
    if (!/^\d{1,18}$/.test(header.trim())) throw new DomainError('invalid', 'VALIDATION_FAILED', 'must be a log position (a positive integer from X-Log-Position)', 'X-Min-Log-Position');
    await this.waitFor(header.trim(), projection);
  }

  async waitFor(position: string, projection: string, timeoutMs = WAIT_MS): Promise<void> {
    const target = await this.target(position);
    if (!target) return;
    const deadline = Date.now() + timeoutMs;
    this.listen();
    for (;;) {
      // Armed before the check, so a notification that lands during it is not lost.
      const tick = this.tick(Math.max(0, Math.min(POLL_MS, deadline - Date.now())));
      const progress = await this.progress(projection, target).catch((err: unknown) => {
        tick.done();
        throw err;
      });
      if (progress === 'reached') {
        // Seen in the database, perhaps before its notification arrives: tell listeners now, so
        // whatever this reader does next in this process reflects it.
        for (const l of this.progressListeners) l(projection);
        tick.done();
        // The primary has it; a replica serving this read must have replayed it too.
        return this.reads.ensureReplayed(deadline);
      }
      if (progress === 'failed' || Date.now() >= deadline) {
        tick.done();
        throw lagging(projection, position, progress === 'failed');
      }
      await tick.promise;
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    for (const t of [...this.ticks]) t.done();
    await this.connecting;
    await this.client?.end().catch(() => undefined);
    this.client = null;
  }

  /**
   * The checkpoint to reach, or null when there is nothing to wait for: a position that a
   * rolled-back transaction left unused (at or below the head) has no event to wait for.
   */
  private async target(position: string): Promise<LogCheckpoint | null> {
    const { checkpoint, head } = await this.store.locate(position);
    if (checkpoint) return checkpoint;
    if (BigInt(position) > BigInt(head)) {
      throw new DomainError('invalid', 'VALIDATION_FAILED', `is beyond the head of the log (${head}); send a value this API returned in X-Log-Position`, 'X-Min-Log-Position');
    }
    return null;
  }

  private async progress(projection: string, target: LogCheckpoint): Promise<'reached' | 'behind' | 'failed'> {
    const rows: { reached: boolean; state: string }[] = await this.db.query(
      `SELECT (transaction_id, position) >= ($2::xid8, $3::bigint) AS reached, state FROM projection_checkpoints WHERE name = $1`,
      [projection, target.transactionId, target.position],
    );
    if (rows[0]?.reached) return 'reached';
    // A stopped projection will not move without an operator: no point holding the request.
    return rows[0]?.state === 'failed' ? 'failed' : 'behind';
  }

  /** Resolves after `ms`, or sooner when a projection reports progress. */
  private tick(ms: number): Tick {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    const tick: Tick = {
      promise,
      done: () => {
        clearTimeout(timer);
        this.ticks.delete(tick);
        resolve();
      },
    };
    const timer = setTimeout(tick.done, ms);
    this.ticks.add(tick);
    return tick;
  }

  /** `listener(checkpoint name)` on every projection batch commit (and rebuild swap) this process hears of. */
  onProgress(listener: (checkpoint: string) => void): void {
    this.progressListeners.push(listener);
  }

  /** `listener(true)` once LISTEN is up, `listener(false)` when its connection is lost (notifications may have been missed). */
  onListening(listener: (up: boolean) => void): void {
    this.listeningListeners.push(listener);
  }

  /** Starts listening if it is not (best effort, not awaited); for components that rely on the notifications. */
  listenForProgress(): void {
    this.listen();
  }

  /** Best effort and never awaited by a request: until LISTEN is up, the poll does the work. */
  private listen(): void {
    if (this.closed || this.client || this.connecting || Date.now() - this.lastFailure < RECONNECT_MS) return;
    const client = new Client({ connectionString: this.config.DATABASE_URL, application_name: 'almanac-read-waiter', connectionTimeoutMillis: 2000 });
    client.on('notification', (n: Notification) => this.onNotification(n));
    client.on('error', (err) => {
      if (!this.database.absorbs(err)) this.logger.warn({ err }, 'LISTEN connection lost; polling until it is back');
      this.drop(client);
    });
    // A connection can also just end (server shutdown): notifications stop all the same.
    client.on('end', () => this.drop(client));
    this.connecting = client
      .connect()
      .then(() => client.query(`LISTEN ${PROGRESS_CHANNEL}`))
      .then(() => {
        if (this.closed) return void client.end().catch(() => undefined);
        this.client = client;
        for (const l of this.listeningListeners) l(true);
      })
      .catch((err: unknown) => {
        if (!this.database.absorbs(err)) this.logger.warn({ err }, 'could not LISTEN for projection progress; polling');
        this.drop(client);
      })
      .finally(() => (this.connecting = null));
  }

  private drop(client: Client): void {
    this.lastFailure = Date.now();
    if (this.client === client) {
      this.client = null;
      for (const l of this.listeningListeners) l(false);
    }
    client.end().catch(() => undefined);
  }

  private onNotification(n: Notification): void {
    // Payload `<checkpoint name>:<txid>:<position>`; any live projection's progress may be awaited.
    if (n.channel !== PROGRESS_CHANNEL) return;
    const checkpoint = (n.payload ?? '').split(':')[0];
    for (const l of this.progressListeners) l(checkpoint);
    for (const t of [...this.ticks]) t.done();
  }
}

function lagging(projection: string, position: string, stopped: boolean): DomainError {
  const detail = stopped
    ? `the ${projection} read model is stopped on a failing event and has not reached log position ${position}; retry later`
    : `the ${projection} read model has not reached log position ${position} within ${WAIT_MS / 1000} s; retry`;
  return new DomainError('unavailable', 'READ_MODEL_LAGGING', detail);
}
