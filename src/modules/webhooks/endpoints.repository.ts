import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { LogCheckpoint } from '../../events/envelope';
import type { EndpointStatus } from './domain/endpoint';

/** A webhook endpoint as stored: its settings, secrets, cursor over the log and failure state. */
export interface Endpoint {
  id: string;
  url: string;
  eventTypes: string[];
  description: string | null;
  status: EndpointStatus;
  pausedReason: string | null;
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
  cursor: LogCheckpoint;
  failingSince: Date | null;
  failedAttempts: number;
  nextAttemptAt: Date | null;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** One attempt to deliver one event to one endpoint. */
export interface DeliveryAttempt {
  eventId: string;
  position: string;
  eventType: string;
  attempt: number;
  ok: boolean;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
}

export interface DeliveryRow extends DeliveryAttempt {
  id: string;
  attemptedAt: Date;
}

export interface EndpointChanges {
  url?: string;
  eventTypes?: string[];
  description?: string | null;
  status?: EndpointStatus;
}

/** Where a delivery round left an endpoint: its new cursor, and a failure if it stopped on one. */
export interface RoundOutcome {
  /** The cursor the round started from: nothing is written if someone moved it meanwhile (a replay). */
  from: LogCheckpoint;
  to: LogCheckpoint;
  attempts: DeliveryAttempt[];
  failure: { nextAttemptAt: Date; error: string } | { pause: string; error: string } | null;
}

const COLUMNS = `id, url, event_types AS "eventTypes", description, status, paused_reason AS "pausedReason", secret,
  previous_secret AS "previousSecret", previous_secret_expires_at AS "previousSecretExpiresAt",
  cursor_transaction_id::text AS "cursorTransactionId", cursor_position::text AS "cursorPosition",
  failing_since AS "failingSince", failed_attempts AS "failedAttempts", next_attempt_at AS "nextAttemptAt",
  last_error AS "lastError", created_at AS "createdAt", updated_at AS "updatedAt"`;

type Row = Omit<Endpoint, 'cursor'> & { cursorTransactionId: string; cursorPosition: string };

const toEndpoint = ({ cursorTransactionId, cursorPosition, ...r }: Row): Endpoint => ({ ...r, cursor: { transactionId: cursorTransactionId, position: cursorPosition } });

/** TypeORM answers an UPDATE or DELETE … RETURNING with `[rows, count]`, an INSERT or SELECT with the rows. */
function returned<T>(result: unknown): T[] {
  const r = result as unknown[];
  return (r.length === 2 && Array.isArray(r[0]) && typeof r[1] === 'number' ? r[0] : r) as T[];
}

/** Cleared whenever an endpoint is (re)activated or its cursor is set by hand: a fresh start. */
const CLEAR_FAILURE = 'failing_since = NULL, failed_attempts = 0, next_attempt_at = NULL, paused_reason = NULL';

/** The tables `webhook_endpoints` and `webhook_deliveries`; SQL lives here only. */
@Injectable()
export class EndpointsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async insert(e: { id: string; url: string; eventTypes: string[]; description: string | null; secret: string; cursor: LogCheckpoint }): Promise<Endpoint> {
    const rows: Row[] = await this.db.query(
      `INSERT INTO webhook_endpoints (id, url, event_types, description, status, secret, cursor_transaction_id, cursor_position)
       VALUES ($1, $2, $3, $4, 'active', $5, $6::xid8, $7::bigint) RETURNING ${COLUMNS}`,
      [e.id, e.url, e.eventTypes, e.description, e.secret, e.cursor.transactionId, e.cursor.position],
    );
    return toEndpoint(rows[0]);
  }

  async get(id: string): Promise<Endpoint | null> {
    const rows: Row[] = await this.db.query(`SELECT ${COLUMNS} FROM webhook_endpoints WHERE id = $1`, [id]);
    return rows[0] ? toEndpoint(rows[0]) : null;
  }

  async list(status?: EndpointStatus): Promise<Endpoint[]> {
    const rows: Row[] = status
      ? await this.db.query(`SELECT ${COLUMNS} FROM webhook_endpoints WHERE status = $1 ORDER BY created_at, id`, [status])
      : await this.db.query(`SELECT ${COLUMNS} FROM webhook_endpoints ORDER BY created_at, id`);
    return rows.map(toEndpoint);
  }

  async change(id: string, c: EndpointChanges): Promise<Endpoint | null> {
    const sets: string[] = ['updated_at = now()'];
    const params: unknown[] = [id];
    const set = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (c.url !== undefined) set('url', c.url);
    if (c.eventTypes !== undefined) set('event_types', c.eventTypes);
    if (c.description !== undefined) set('description', c.description);
    if (c.status !== undefined) {
      set('status', c.status);
      // Resuming starts a fresh retry budget from the kept cursor; pausing by hand says so.
      sets.push(c.status === 'active' ? `${CLEAR_FAILURE}` : `paused_reason = coalesce(paused_reason, 'paused by an admin')`);
    }
    const rows = returned<Row>(await this.db.query(`UPDATE webhook_endpoints SET ${sets.join(', ')} WHERE id = $1 RETURNING ${COLUMNS}`, params));
    return rows[0] ? toEndpoint(rows[0]) : null;
  }

  async delete(id: string): Promise<boolean> {
    const rows = returned(await this.db.query('DELETE FROM webhook_endpoints WHERE id = $1 RETURNING id', [id]));
    return rows.length > 0;
  }

  /** The current secret becomes the previous one, signing alongside the new one until `previousExpiresAt`. */
  async rotate(id: string, secret: string, previousExpiresAt: Date): Promise<Endpoint | null> {
    const rows = returned<Row>(
      await this.db.query(
        `UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_expires_at = $3, secret = $2, updated_at = now()
        WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, secret, previousExpiresAt],
      ),
    );
    return rows[0] ? toEndpoint(rows[0]) : null;
  }

  /** Replay: the cursor set by hand; the endpoint gets a fresh retry budget. */
  async setCursor(id: string, cursor: LogCheckpoint): Promise<Endpoint | null> {
    const rows = returned<Row>(
      await this.db.query(
        `UPDATE webhook_endpoints SET cursor_transaction_id = $2::xid8, cursor_position = $3::bigint, ${CLEAR_FAILURE}, updated_at = now()
        WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, cursor.transactionId, cursor.position],
      ),
    );
    return rows[0] ? toEndpoint(rows[0]) : null;
  }

  /**
   * A delivery round's attempts and where it left the endpoint, in one short transaction. The
   * cursor moves only if it still is where the round started (compare-and-set), so a replay
   * set meanwhile wins; returns whether it moved.
   */
  async recordRound(id: string, r: RoundOutcome): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      // Locked first: an endpoint deleted meanwhile has nothing left to record.
      if (!(await tx.query('SELECT 1 FROM webhook_endpoints WHERE id = $1 FOR UPDATE', [id])).length) return false;
      if (r.attempts.length) {
        const cols = 8;
        const tuples = r.attempts.map((_, i) => `($1, ${Array.from({ length: cols }, (_, j) => `$${2 + i * cols + j}`).join(', ')})`);
        await tx.query(`INSERT INTO webhook_deliveries (endpoint_id, event_id, position, event_type, attempt, ok, status_code, duration_ms, error) VALUES ${tuples.join(', ')}`, [
          id,
          ...r.attempts.flatMap((a) => [a.eventId, a.position, a.eventType, a.attempt, a.ok, a.statusCode, a.durationMs, a.error]),
        ]);
      }
      // A round that moved past its first event succeeded on it: the failure streak restarts there.
      const moved = `(cursor_transaction_id, cursor_position) <> ($4::xid8, $5::bigint)`;
      const rows = returned(
        await tx.query(
          `UPDATE webhook_endpoints SET
            failing_since = CASE WHEN ${moved} THEN NULL ELSE failing_since END,
            failed_attempts = CASE WHEN ${moved} THEN 0 ELSE failed_attempts END,
            cursor_transaction_id = $4::xid8, cursor_position = $5::bigint, updated_at = now()
          WHERE id = $1 AND cursor_transaction_id = $2::xid8 AND cursor_position = $3::bigint RETURNING id`,
          [id, r.from.transactionId, r.from.position, r.to.transactionId, r.to.position],
        ),
      );
      if (!rows.length) return false;
      const f = r.failure;
      if (!f) await tx.query(`UPDATE webhook_endpoints SET ${CLEAR_FAILURE} WHERE id = $1`, [id]);
      else if ('pause' in f) {
        await tx.query(`UPDATE webhook_endpoints SET status = 'paused', paused_reason = $2, last_error = $3, next_attempt_at = NULL, failed_attempts = failed_attempts + 1 WHERE id = $1`, [
          id,
          f.pause,
          f.error,
        ]);
      } else {
        await tx.query(`UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, now()), failed_attempts = failed_attempts + 1, next_attempt_at = $2, last_error = $3 WHERE id = $1`, [
          id,
          f.nextAttemptAt,
          f.error,
        ]);
      }
      return true;
    });
  }

  /** Deletes delivery attempts older than `days`, a bounded chunk at a time; returns how many went. */
  async pruneAttempts(days: number, chunk = 10_000): Promise<number> {
    const rows = returned(
      await this.db.query(
        `DELETE FROM webhook_deliveries WHERE id IN (
         SELECT id FROM webhook_deliveries WHERE attempted_at < now() - make_interval(secs => $1 * 86400) LIMIT $2
       ) RETURNING id`,
        [days, chunk],
      ),
    );
    return rows.length;
  }

  async deliveries(endpointId: string, limit: number, before?: string): Promise<DeliveryRow[]> {
    return this.db.query(
      // Qualified: a bare ORDER BY id would sort by the text alias ('10' < '9').
      `SELECT d.id::text AS id, event_id AS "eventId", position::text AS position, event_type AS "eventType", attempt, ok,
              status_code AS "statusCode", duration_ms AS "durationMs", error, attempted_at AS "attemptedAt"
         FROM webhook_deliveries d WHERE d.endpoint_id = $1 ${before ? 'AND d.id < $3::bigint' : ''} ORDER BY d.id DESC LIMIT $2`,
      before ? [endpointId, limit, before] : [endpointId, limit],
    );
  }
}
