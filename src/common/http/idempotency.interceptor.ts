import { CallHandler, ExecutionContext, Inject, Injectable, Logger, NestInterceptor, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHmac } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { canonicalize } from 'json-canonicalize';
import { Observable, catchError, from, mergeMap, of, throwError } from 'rxjs';
import { DataSource } from 'typeorm';
import type { AuthenticatedRequest } from './access';
import { ANONYMOUS } from '../auth/principal';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { deriveSecret } from '../../config/secrets';
import { ProblemException, pathOf } from './problem';

/** Headers a replay must give back to be indistinguishable from the first response. */
const REPLAYED_HEADERS = ['location', 'etag', 'x-log-position', 'content-type'];
/** A claim this old belongs to a request that died; another may take it over. */
const STALE_CLAIM_SECONDS = 60;
/** How often each API process deletes expired records. */
const PRUNE_EVERY_MS = 5 * 60_000;

interface KeyRow {
  request_hash: string;
  state: 'pending' | 'done';
  status: number | null;
  headers: Record<string, string> | null;
  /** The body as the JSON text that was sent (null: none). */
  body: string | null;
}

/**
 * `Idempotency-Key` on writes (contract): the same key and body replays the first response
 * and appends nothing; the same key with another body (or route) is 422. A key is claimed
 * before the command runs, so two concurrent requests with one key cannot both append.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Idempotency');
  /** The request is remembered as an HMAC under a server secret: a sign-up's body holds an address. */
  private readonly hashKey: Buffer;
  private readonly ttlSeconds: number;
  private pruner?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.hashKey = deriveSecret(config, 'idempotency');
    this.ttlSeconds = config.IDEMPOTENCY_TTL_HOURS * 3600;
  }

  onModuleInit(): void {
    this.pruner = setInterval(() => void this.prune(), PRUNE_EVERY_MS);
    this.pruner.unref();
    void this.prune();
  }

  onApplicationShutdown(): void {
    clearInterval(this.pruner);
  }

  /** Records older than IDEMPOTENCY_TTL_HOURS are forgotten (and no longer replayed: see claim). */
  async prune(): Promise<number> {
    try {
      const r: [unknown[], number] = await this.db.query(`DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(secs => $1)`, [this.ttlSeconds]);
      return r[1];
    } catch (err) {
      this.logger.warn({ err }, 'could not prune expired idempotency records');
      return 0;
    }
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const res = context.switchToHttp().getResponse<FastifyReply>();
    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string' || !['POST', 'PATCH', 'PUT', 'DELETE'].includes(req.method)) return next.handle();
    if (key.length < 1 || key.length > 200) {
      return throwError(() => new ProblemException(400, 'VALIDATION_FAILED', 'Idempotency-Key must be 1 to 200 characters', [{ field: 'Idempotency-Key', message: 'must be 1 to 200 characters' }]));
    }
    // Keys are scoped per caller. Anonymous callers have no subject, so each client address is a
    // scope of its own (the address derived behind trusted proxies only): one client
    // cannot replay, or collide with, another's response by guessing its key. The address is
    // kept only as a keyed hash, like the request.
    const principal =
      req.principal?.sub ??
      `${ANONYMOUS}:${createHmac('sha256', this.hashKey)
        .update(req.ip ?? '')
        .digest('hex')
        .slice(0, 32)}`;
    const body: unknown = typeof req.body === 'string' ? req.body : (req.body ?? null);
    const requestHash = createHmac('sha256', this.hashKey)
      .update(`${req.method} ${pathOf(req.url)}\n${canonicalize(body)}`)
      .digest('hex');

    return from(this.claim(principal, key, requestHash)).pipe(
      mergeMap((prior) => {
        if (prior) {
          void res
            .headers(prior.headers ?? {})
            .header('Idempotent-Replayed', 'true')
            .code(prior.status ?? 200);
          // Parsed from the text that was sent: serialised again, it is the same bytes (key order included).
          return of(prior.body === null ? null : (JSON.parse(prior.body) as unknown));
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
       ON CONFLICT (principal, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, created_at = now(), state = 'pending', status = NULL, headers = NULL, body = NULL
         WHERE (idempotency_keys.state = 'pending' AND idempotency_keys.created_at < now() - make_interval(secs => $4))
            OR idempotency_keys.created_at < now() - make_interval(secs => $5)
       RETURNING 1`,
      [principal, key, requestHash, STALE_CLAIM_SECONDS, this.ttlSeconds],
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

  private async complete(principal: string, key: string, res: FastifyReply, body: unknown): Promise<void> {
    const headers: Record<string, string> = {};
    for (const h of REPLAYED_HEADERS) {
      const v = res.getHeader(h);
      if (v !== undefined) headers[h] = String(v);
    }
    await this.db.query(`UPDATE idempotency_keys SET state = 'done', status = $3, headers = $4::jsonb, body = $5 WHERE principal = $1 AND key = $2`, [
      principal,
      key,
      res.statusCode,
      JSON.stringify(headers),
      JSON.stringify(body ?? null),
    ]);
  }

  /** A failed request keeps no claim, so the client can retry it with the same key. */
  private async release(principal: string, key: string): Promise<void> {
    await this.db.query(`DELETE FROM idempotency_keys WHERE principal = $1 AND key = $2 AND state = 'pending'`, [principal, key]).catch(() => undefined);
  }
}
