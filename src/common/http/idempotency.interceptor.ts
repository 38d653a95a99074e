import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import type { Response } from 'express';
import { canonicalize } from 'json-canonicalize';
import { Observable, catchError, from, mergeMap, of, throwError } from 'rxjs';
import { DataSource } from 'typeorm';
import type { AuthenticatedRequest } from './access';
import { ANONYMOUS } from '../auth/principal';
import { ProblemException } from './problem';

/** Headers a replay must give back to be indistinguishable from the first response. */
const REPLAYED_HEADERS = ['location', 'etag', 'x-log-position', 'content-type'];
/** A claim this old belongs to a request that died; another may take it over. */
const STALE_CLAIM_SECONDS = 60;

interface KeyRow {
  request_hash: string;
  state: 'pending' | 'done';
  status: number | null;
  headers: Record<string, string> | null;
  body: unknown;
}

/**
 * `Idempotency-Key` on writes (DESIGN §5): the same key and body replays the first response
 * and appends nothing; the same key with another body (or route) is 422. A key is claimed
 * before the command runs, so two concurrent requests with one key cannot both append.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const res = context.switchToHttp().getResponse<Response>();
    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string' || !['POST', 'PATCH', 'PUT', 'DELETE'].includes(req.method)) return next.handle();
    if (key.length < 1 || key.length > 200) {
      return throwError(() => new ProblemException(400, 'VALIDATION_FAILED', 'Idempotency-Key must be 1 to 200 characters', [{ field: 'Idempotency-Key', message: 'must be 1 to 200 characters' }]));
    }
    const principal = req.principal?.sub ?? ANONYMOUS;
    const body: unknown = typeof req.body === 'string' ? req.body : (req.body ?? null);
    const requestHash = createHash('sha256').update(`${req.method} ${req.path}\n${canonicalize(body)}`).digest('hex');

    return from(this.claim(principal, key, requestHash)).pipe(
      mergeMap((prior) => {
        if (prior) {
          for (const [k, v] of Object.entries(prior.headers ?? {})) res.setHeader(k, v);
          res.setHeader('Idempotent-Replayed', 'true');
          res.status(prior.status ?? 200);
          return of(prior.body);
        }
        return next.handle().pipe(
          // The record is written before the response leaves, so a client that saw the
          // response can always replay it.
          mergeMap((out) => from(this.complete(principal, key, res, out)).pipe(mergeMap(() => of(out)))),
          catchError((err: unknown) => from(this.release(principal, key)).pipe(mergeMap(() => throwError(() => err)))),
        );
      }),
    );
  }

  /** Claims the key, or returns the recorded response to replay. */
  private async claim(principal: string, key: string, requestHash: string): Promise<KeyRow | null> {
    const claimed: unknown[] = await this.db.query(
      `INSERT INTO idempotency_keys (principal, key, request_hash, state) VALUES ($1, $2, $3, 'pending')
       ON CONFLICT (principal, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, created_at = now()
         WHERE idempotency_keys.state = 'pending' AND idempotency_keys.created_at < now() - make_interval(secs => $4)
       RETURNING 1`,
      [principal, key, requestHash, STALE_CLAIM_SECONDS],
    );
    if (claimed.length) return null;
    const rows: KeyRow[] = await this.db.query('SELECT request_hash, state, status, headers, body FROM idempotency_keys WHERE principal = $1 AND key = $2', [principal, key]);
    const row = rows[0];
    if (!row) return this.claim(principal, key, requestHash); // released between our two statements
    if (row.request_hash !== requestHash) {
      throw new ProblemException(422, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was already used with a different request body or route');
    }
    if (row.state === 'pending') {
      throw new ProblemException(409, 'IDEMPOTENCY_KEY_IN_PROGRESS', 'a request with this Idempotency-Key is still being processed; retry shortly', undefined, { 'Retry-After': '1' });
    }
    return row;
  }

  private async complete(principal: string, key: string, res: Response, body: unknown): Promise<void> {
    const headers: Record<string, string> = {};
    for (const h of REPLAYED_HEADERS) {
      const v = res.getHeader(h);
      if (v !== undefined) headers[h] = String(v);
    }
    await this.db.query(
      `UPDATE idempotency_keys SET state = 'done', status = $3, headers = $4::jsonb, body = $5::jsonb WHERE principal = $1 AND key = $2`,
      [principal, key, res.statusCode, JSON.stringify(headers), JSON.stringify(body ?? null)],
    );
  }

  /** A failed request keeps no claim, so the client can retry it with the same key. */
  private async release(principal: string, key: string): Promise<void> {
    await this.db.query(`DELETE FROM idempotency_keys WHERE principal = $1 AND key = $2 AND state = 'pending'`, [principal, key]).catch(() => undefined);
  }
}
