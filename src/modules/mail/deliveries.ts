import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { JobsOptions, Queue } from 'bullmq';
import DataLoader from 'dataloader';
import { DataSource } from 'typeorm';
import { JOBS, QUEUES } from '../../jobs/catalog';
import { SendEmailBatchPayload, SendEmailPayload, sendEmailBatchJobId, sendEmailJobId } from './email.payload';
import { EmailCounters } from './email-counters';
import { redactAddresses } from './failure-reason';

export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'skipped';
export type EnqueueDelivery = SendEmailPayload & { leadTime?: string | null; start?: string | null };

export interface Delivery {
  deliveryKey: string;
  kind: string;
  subscriptionId: string;
  eventId: string | null;
  leadTime: string | null;
  start: string | null;
  status: DeliveryStatus;
  reason: string | null;
  /** Why it failed, for machines: `smtp-550`, `econnection`, … (null unless an attempt failed). */
  reasonCode: string | null;
  attempts: number;
  messageId: string | null;
  createdAt: Date;
  updatedAt: Date;
  sentAt: Date | null;
}

/** Send attempts per delivery; backoff 1, 2, 4 … 64 s (about two minutes in all). */
export const SEND_ATTEMPTS = 8;
/**
 * A claim ('sending') older than this belongs to a worker that died mid-send (SMTP timeouts
 * are bounded well below it): the retry may take it over.
 */
const STALE_SENDING = '1 minute';
const INSERT_CHUNK = 1000;
/** Claims (or records) of concurrent send jobs that go in one statement at most. */
const SEND_BATCH = 50;
/** Deliveries per `email/send-batch` job: one claim and one record statement, one load of the recipients, sends over the pool. */
export const SEND_BATCH_SIZE = 50;

const JOB_OPTIONS: JobsOptions = {
  attempts: SEND_ATTEMPTS,
  backoff: { type: 'exponential', delay: 1000 },
  // The deliveries row is the record; the job is only the vehicle.
  removeOnComplete: true,
  removeOnFail: true,
};

export type Outcome =
  | { status: 'sent'; messageId: string }
  | { status: 'skipped'; reason: string }
  | { status: 'failed'; reason: string; code?: string }
  /** An attempt failed and BullMQ will retry: back to pending, reason kept for admins. */
  | { status: 'pending'; reason: string; code?: string };

const COLUMNS = `delivery_key AS "deliveryKey", kind, subscription_id AS "subscriptionId", event_id AS "eventId", lead_time AS "leadTime",
  start_at AS "start", status, reason, reason_code AS "reasonCode", attempts, message_id AS "messageId", created_at AS "createdAt", updated_at AS "updatedAt", sent_at AS "sentAt"`;

/**
 * The `deliveries` table — one row per (event, subscriber, kind, start, lead time), keyed by
 * `delivery_key` — and the `email` queue. A row is inserted before its job is queued, and a job
 * claims its row before sending, so a delivery is sent at most once (see email.job.ts for the
 * one window where a crash can still duplicate).
 */
@Injectable()
export class Deliveries {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectQueue(QUEUES.email) private readonly queue: Queue,
    private readonly counters: EmailCounters,
  ) {}

  /** Inserts the delivery and queues its own send job; false when the delivery already existed. */
  async enqueue(p: EnqueueDelivery): Promise<boolean> {
    const { pending, created } = await this.insert([p]);
    if (pending.has(p.deliveryKey)) await this.queue.add(JOBS.email.send, payloadOf(p), { ...JOB_OPTIONS, jobId: sendEmailJobId(p.deliveryKey) });
    return created === 1;
  }

  /**
   * Bulk version for fan-out: one INSERT … ON CONFLICT per 1000 deliveries, then one batch job
   * per SEND_BATCH_SIZE of the new ones (addBulk). Returns how many were new. A delivery that
   * exists but is still `pending` is queued again (a batch of the same keys has the same job id,
   * and a send claims only pending rows): a crash between the INSERT and the queue add is
   * repaired by the caller's retry instead of leaving a row nobody sends.
   */
  async enqueueMany(list: EnqueueDelivery[]): Promise<number> {
    let created = 0;
    for (let i = 0; i < list.length; i += INSERT_CHUNK) {
      const chunk = list.slice(i, i + INSERT_CHUNK);
      const inserted = await this.insert(chunk);
      created += inserted.created;
      const pending = chunk.filter((d) => inserted.pending.has(d.deliveryKey)).map(payloadOf);
      const jobs = [];
      for (let j = 0; j < pending.length; j += SEND_BATCH_SIZE) {
        const deliveries = pending.slice(j, j + SEND_BATCH_SIZE);
        jobs.push({
          name: JOBS.email.sendBatch,
          data: { deliveries } satisfies SendEmailBatchPayload,
          opts: { ...JOB_OPTIONS, jobId: sendEmailBatchJobId(deliveries.map((d) => d.deliveryKey)) },
        });
      }
      if (jobs.length) await this.queue.addBulk(jobs);
    }
    return created;
  }

  /** Inserts the rows (a chunk of at most INSERT_CHUNK); the keys still pending (new or not yet sent) and how many were new. */
  private async insert(chunk: EnqueueDelivery[]): Promise<{ pending: Set<string>; created: number }> {
    const rows: { delivery_key: string; inserted: boolean }[] = await this.db.query(
      `INSERT INTO deliveries (delivery_key, kind, subscription_id, event_id, lead_time, start_at, payload)
       SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::jsonb[])
       ON CONFLICT (delivery_key) DO UPDATE SET updated_at = deliveries.updated_at WHERE deliveries.status = 'pending'
       RETURNING delivery_key, (xmax = 0) AS inserted`,
      [
        chunk.map((d) => d.deliveryKey),
        chunk.map((d) => d.kind),
        chunk.map((d) => d.subscriptionId),
        chunk.map((d) => d.eventId),
        chunk.map((d) => d.leadTime ?? null),
        chunk.map((d) => d.start ?? null),
        chunk.map((d) => JSON.stringify(d.payload ?? null)),
      ],
    );
    return { pending: new Set(rows.map((r) => r.delivery_key)), created: rows.filter((r) => r.inserted).length };
  }

  /**
   * Claims the delivery for one send attempt: only a pending row (or one whose claim was
   * abandoned by a dead worker) moves to `sending`, and a job that arrives without a row (queued
   * by hand, by an older version) creates it already claimed — one conditional statement, so two
   * concurrent jobs cannot both send. Null: not claimable, see `get` for why.
   */
  async claim(p: SendEmailPayload): Promise<Delivery | null> {
    return this.claims.load(p);
  }

  /**
   * The send jobs a worker runs at once claim together: one statement for all claims made while
   * the previous one was in flight (the same conditional upsert per row, so the exactly-once
   * claim holds row by row). A key twice in one batch is claimed once; the other job finds it
   * `sending`, as it would have a moment later.
   */
  private readonly claims = inFlightBatches<SendEmailPayload, Delivery | null>(async (list) => {
    const first = new Map<string, number>();
    list.forEach((p, i) => {
      if (!first.has(p.deliveryKey)) first.set(p.deliveryKey, i);
    });
    const batch = [...first.values()].map((i) => list[i]);
    let rows: Delivery[];
    try {
      rows = await this.claimAll(batch);
    } catch (err) {
      // One bad payload (a job queued by hand) must not fail the others: each on its own.
      if (batch.length === 1) throw err;
      return Promise.all(list.map((p) => this.claimOne(p).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))))));
    }
    const byKey = new Map(rows.map((r) => [r.deliveryKey, r]));
    return list.map((p, i) => (first.get(p.deliveryKey) === i ? (byKey.get(p.deliveryKey) ?? null) : null));
  });

  /**
   * The claims of one send batch in one statement (the same conditional upsert per row as
   * `claim`, so a row another job holds or has settled is not claimed). Keys claimed by this
   * call map to their row; the others (held, settled, or twice in the list after the first)
   * are absent. A statement refused as a whole (one bad payload) goes row by row, so the
   * others are still claimed; a row whose own claim fails is not claimed (the job counts it
   * with the rows it did not claim).
   */
  async claimMany(list: readonly SendEmailPayload[]): Promise<Map<string, Delivery>> {
    const batch = [...new Map(list.map((p) => [p.deliveryKey, p])).values()];
    if (!batch.length) return new Map();
    let rows: Delivery[];
    try {
      rows = await this.claimAll(batch);
    } catch (err) {
      if (batch.length === 1) throw err;
      rows = (await Promise.all(batch.map((p) => this.claimOne(p).catch(() => null)))).filter((r): r is Delivery => r !== null);
    }
    return new Map(rows.map((r) => [r.deliveryKey, r]));
  }

  /** The conditional claim of `claimOne` for distinct keys, in one statement. */
  private claimAll(batch: readonly SendEmailPayload[]): Promise<Delivery[]> {
    return this.db.query(
      `INSERT INTO deliveries AS d (delivery_key, kind, subscription_id, event_id, payload, status, attempts, updated_at)
       SELECT v.key, v.kind, v.subscription_id, v.event_id, v.payload, 'sending', 1, now()
         FROM unnest($1::text[], $2::text[], $3::uuid[], $4::uuid[], $5::jsonb[]) AS v(key, kind, subscription_id, event_id, payload)
       ON CONFLICT (delivery_key) DO UPDATE SET status = 'sending', attempts = d.attempts + 1, updated_at = now()
        WHERE d.status = 'pending' OR (d.status = 'sending' AND d.updated_at < now() - interval '${STALE_SENDING}')
       RETURNING ${COLUMNS}`,
      [batch.map((p) => p.deliveryKey), batch.map((p) => p.kind), batch.map((p) => p.subscriptionId), batch.map((p) => p.eventId), batch.map((p) => JSON.stringify(p.payload ?? null))],
    );
  }

  private async claimOne(p: SendEmailPayload): Promise<Delivery | null> {
    const rows: Delivery[] = await this.db.query(
      `INSERT INTO deliveries AS d (delivery_key, kind, subscription_id, event_id, payload, status, attempts, updated_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, 'sending', 1, now())
       ON CONFLICT (delivery_key) DO UPDATE SET status = 'sending', attempts = d.attempts + 1, updated_at = now()
        WHERE d.status = 'pending' OR (d.status = 'sending' AND d.updated_at < now() - interval '${STALE_SENDING}')
       RETURNING ${COLUMNS}`,
      [p.deliveryKey, p.kind, p.subscriptionId, p.eventId, JSON.stringify(p.payload ?? null)],
    );
    return rows[0] ?? null;
  }

  /**
   * An admin's retry of a failed delivery: back to `pending` (conditional, so two retries make
   * one job) and a new send job with the full set of attempts, built from the stored payload.
   * The job gets its own id (the failed one's attempts in it), and the usual claim still stands
   * between it and a second send. Null when there is no such delivery.
   */
  async retry(key: string, by: string): Promise<{ retried: true; delivery: Delivery } | { retried: false; delivery: Delivery | null; why?: string }> {
    const rows: (Delivery & { payload: unknown })[] = await this.db.query(
      `WITH retried AS (
         UPDATE deliveries SET status = 'pending', reason = $2, updated_at = now()
          WHERE delivery_key = $1 AND status = 'failed' AND payload IS NOT NULL
          RETURNING *)
       SELECT ${COLUMNS}, payload FROM retried`,
      [key, `retry requested by ${by}`],
    );
    const row = rows[0];
    if (!row) {
      const delivery = await this.get(key);
      const why =
        delivery?.status === 'failed' ? 'it was recorded before payloads were kept, so its email cannot be rebuilt' : `only a failed delivery can be retried; this one is ${delivery?.status}`;
      return { retried: false, delivery, why };
    }
    const { payload, ...delivery } = row;
    const data: SendEmailPayload = { deliveryKey: key, kind: delivery.kind, subscriptionId: delivery.subscriptionId, eventId: delivery.eventId, payload };
    try {
      await this.queue.add(JOBS.email.send, data, { ...JOB_OPTIONS, jobId: `${sendEmailJobId(key)}-retry-${delivery.attempts}` });
    } catch (err) {
      // Not queued: leave the row as it was, so the admin can simply try again.
      await this.db.query(`UPDATE deliveries SET status = 'failed', reason = $2 WHERE delivery_key = $1 AND status = 'pending'`, [
        key,
        `retry not queued: ${redactAddresses(err instanceof Error ? err.message : String(err))}`,
      ]);
      throw err;
    }
    return { retried: true, delivery };
  }

  /** The rows of these keys (absent keys are missing from the map). */
  async getMany(keys: readonly string[]): Promise<Map<string, Delivery>> {
    const rows: Delivery[] = await this.db.query(`SELECT ${COLUMNS} FROM deliveries WHERE delivery_key = ANY($1::text[])`, [keys]);
    return new Map(rows.map((r) => [r.deliveryKey, r]));
  }

  async get(key: string): Promise<Delivery | null> {
    const rows: Delivery[] = await this.db.query(`SELECT ${COLUMNS} FROM deliveries WHERE delivery_key = $1`, [key]);
    return rows[0] ?? null;
  }

  /** Records the outcome of an attempt. A `sent` row is never changed again. */
  async record(key: string, o: Outcome): Promise<void> {
    await this.records.load({ key, o });
  }

  /** Outcomes recorded together, like claims: one UPDATE for the batch. */
  private readonly records = inFlightBatches<{ key: string; o: Outcome }, void>(async (list) => {
    if (list.length === 1 || new Set(list.map((r) => r.key)).size < list.length) {
      for (const r of list) await this.recordOne(r.key, r.o);
      return list.map(() => undefined);
    }
    // TypeORM answers an UPDATE with [rows, affected].
    const [rows]: [{ key: string; status: string }[], number] = await this.db.query(
      `UPDATE deliveries AS d SET status = v.status, reason = v.reason, message_id = coalesce(v.message_id, d.message_id), reason_code = v.code,
              sent_at = CASE WHEN v.status = 'sent' THEN now() ELSE d.sent_at END, updated_at = now()
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS v(key, status, reason, message_id, code)
        WHERE d.delivery_key = v.key AND d.status <> 'sent'
        RETURNING d.delivery_key AS key, v.status`,
      [list.map((r) => r.key), list.map((r) => r.o.status), list.map((r) => reasonOf(r.o)), list.map((r) => messageIdOf(r.o)), list.map((r) => codeOf(r.o))],
    );
    // One increment per outcome for the statement, not one round trip per row.
    const changed = new Map<string, number>();
    for (const r of rows) if (r.status !== 'pending') changed.set(r.status, (changed.get(r.status) ?? 0) + 1);
    await Promise.all([...changed].map(([status, n]) => this.counters.count(status, n)));
    return list.map(() => undefined);
  });

  private async recordOne(key: string, o: Outcome): Promise<void> {
    const [, changed]: [unknown[], number] = await this.db.query(
      `UPDATE deliveries SET status = $2, reason = $3, message_id = coalesce($4, message_id), reason_code = $5,
              sent_at = CASE WHEN $2 = 'sent' THEN now() ELSE sent_at END, updated_at = now()
        WHERE delivery_key = $1 AND status <> 'sent'`,
      [key, o.status, reasonOf(o), messageIdOf(o), codeOf(o)],
    );
    if (changed && o.status !== 'pending') await this.counters.count(o.status);
  }

  /** GET /v1/admin/deliveries: newest first. */
  async list(q: { subscriptionIds?: string[]; eventId?: string; limit: number }): Promise<Delivery[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.subscriptionIds) {
      params.push(q.subscriptionIds);
      where.push(`subscription_id = ANY($${params.length}::uuid[])`);
    }
    if (q.eventId) {
      params.push(q.eventId);
      where.push(`event_id = $${params.length}::uuid`);
    }
    params.push(q.limit);
    return this.db.query(`SELECT ${COLUMNS} FROM deliveries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, delivery_key LIMIT $${params.length}`, params);
  }
}

const payloadOf = (d: EnqueueDelivery): SendEmailPayload => ({ deliveryKey: d.deliveryKey, kind: d.kind, subscriptionId: d.subscriptionId, eventId: d.eventId, payload: d.payload });
const reasonOf = (o: Outcome): string | null => ('reason' in o ? o.reason.slice(0, 2000) : null);
const messageIdOf = (o: Outcome): string | null => ('messageId' in o ? o.messageId : null);
const codeOf = (o: Outcome): string | null => ('code' in o ? (o.code ?? null) : null);

/**
 * A DataLoader (no cache) whose batch goes when the previous one has finished: a lone call
 * goes at once, and calls made while a statement is in flight wait for it and go together.
 */
function inFlightBatches<K, V>(run: (keys: readonly K[]) => Promise<(V | Error)[]>): DataLoader<K, V> {
  let inFlight: Promise<unknown> = Promise.resolve();
  return new DataLoader<K, V>(
    (keys) => {
      const p = run(keys);
      inFlight = p.catch(() => undefined);
      return p;
    },
    { cache: false, maxBatchSize: SEND_BATCH, batchScheduleFn: (dispatch) => void inFlight.then(dispatch) },
  );
}
