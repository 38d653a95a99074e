import { Logger } from '@nestjs/common';
import { BroadcastChannel } from 'node:worker_threads';

/** The reason in one line: driver errors are often multi-line or carry a stack. */
export function oneLine(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const text = (e?.message || e?.code || String(err)).split('\n')[0];
  return e?.code && !text.includes(e.code) ? `${text} (${e.code})` : text;
}

export interface Dependency {
  /** As people say it: "Redis", "PostgreSQL". */
  name: string;
  /** Prefix of the log lines' `event` field: `<event>_unreachable`, `<event>_reachable`. */
  event: string;
  /** Where it is, without a password. */
  url: string;
}

export interface OutageOptions {
  probeEveryMs?: number;
  /**
   * Run before declaring an outage, which is declared only when it fails. For a dependency of
   * several servers (a Redis Cluster), where a connection error can come from a server the
   * service no longer needs (a dead master after its replica took over).
   */
  confirm?: () => Promise<unknown>;
}

/**
 * `node dist/main.js all` runs its worker side in a worker thread, with its own clients and
 * monitors. The process is what an operator watches, so it reports an outage once: the worker
 * thread hands its connection errors to the main thread's monitor of the same dependency
 * instead of declaring outages of its own.
 */
const RELAY_CHANNEL = 'almanac:outages';
interface Relayed {
  event: string;
  name?: string;
  code?: string;
  message?: string;
}
let relay: BroadcastChannel | null = null;
/** The main thread's monitor per dependency (`event`), once it accepts relayed errors. */
let receivers: Map<string, Outage> | null = null;

/** In the worker thread of `all`: report connection errors to the main thread. */
export function relayOutagesToMainThread(): void {
  relay = new BroadcastChannel(RELAY_CHANNEL);
  relay.unref();
}

/** In the main thread of `all`: count the worker thread's connection errors into this thread's monitors. */
export function receiveRelayedOutages(): void {
  if (receivers) return;
  const known = new Map<string, Outage>();
  receivers = known;
  const channel = new BroadcastChannel(RELAY_CHANNEL);
  channel.unref();
  channel.onmessage = (m: unknown) => {
    const r = (m as { data: Relayed }).data;
    known.get(r.event)?.failed(Object.assign(new Error(r.message), { name: r.name ?? 'Error', code: r.code }));
  };
}

/**
 * One outage of a dependency as two structured warnings: one when the first connection error
 * arrives, one when `probe` succeeds again (with how long it lasted and how many errors it
 * absorbed). Drivers retry on their own and report every attempt; those reports end here
 * instead of in the log.
 */
export class Outage {
  private current?: { since: number; errors: number; timer: NodeJS.Timeout };
  /** Errors seen while a confirming probe runs; they count towards the outage it confirms. */
  private confirming?: { errors: number };
  private readonly probeEveryMs: number;
  private readonly confirm?: () => Promise<unknown>;

  constructor(
    private readonly logger: Logger,
    private readonly dependency: Dependency,
    private readonly probe: () => Promise<unknown>,
    options: OutageOptions = {},
  ) {
    this.probeEveryMs = options.probeEveryMs ?? 1000;
    this.confirm = options.confirm;
    receivers?.set(dependency.event, this);
  }

  get ongoing(): boolean {
    return this.current !== undefined;
  }

  failed(err: unknown): void {
    if (relay) {
      const e = err as { name?: string; code?: string; message?: string } | undefined;
      relay.postMessage({ event: this.dependency.event, name: e?.name, code: e?.code, message: e?.message ?? String(err) } satisfies Relayed);
      return;
    }
    if (this.current) {
      this.current.errors += 1;
      return;
    }
    if (!this.confirm) return this.start(err, 1);
    if (this.confirming) {
      this.confirming.errors += 1;
      return;
    }
    const confirming = { errors: 1 };
    this.confirming = confirming;
    this.confirm().then(
      () => {
        if (this.confirming === confirming) this.confirming = undefined;
      },
      () => {
        if (this.confirming !== confirming) return;
        this.confirming = undefined;
        if (!this.current) this.start(err, confirming.errors);
      },
    );
  }

  private start(err: unknown, errors: number): void {
    const timer = setInterval(() => void this.check(), this.probeEveryMs);
    timer.unref();
    this.current = { since: Date.now(), errors, timer };
    const { name, event, url } = this.dependency;
    this.logger.warn({ event: `${event}_unreachable`, [event]: url, reason: oneLine(err), errors }, `${name} at ${url} is unreachable (${oneLine(err)}); retrying`);
  }

  stop(): void {
    if (this.current) clearInterval(this.current.timer);
    this.current = undefined;
    this.confirming = undefined;
  }

  private async check(): Promise<void> {
    const outage = this.current;
    if (!outage) return;
    try {
      await this.probe();
    } catch {
      return;
    }
    if (this.current !== outage) return;
    this.stop();
    const seconds = Math.round((Date.now() - outage.since) / 100) / 10;
    const { name, event, url } = this.dependency;
    this.logger.warn(
      { event: `${event}_reachable`, [event]: url, outageSeconds: seconds, errors: outage.errors },
      `${name} at ${url} is reachable again after ${seconds} s (${outage.errors} connection errors while it was away)`,
    );
  }
}
