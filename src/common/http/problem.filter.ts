import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { QueryFailedError } from 'typeorm';
import { DatabaseOutageMonitor, isDatabaseUnavailable } from '../../database/database-outage';
import { VersionMismatchError } from '../../events/aggregate';
import { WrongExpectedVersionError } from '../../events/event-store.port';
import { DomainError, DomainErrorKind } from '../domain/domain-error';
import { HtmlPageException } from './html-page.exception';
import { FieldError, ProblemException, pathOf, sendProblem } from './problem';

const DOMAIN_STATUS: Record<DomainErrorKind, number> = { 'not-found': 404, conflict: 409, invalid: 400, gone: 410, unauthorized: 401, unavailable: 503 };
const DOMAIN_HEADERS: Partial<Record<DomainErrorKind, Record<string, string>>> = { unauthorized: { 'WWW-Authenticate': 'Bearer' }, unavailable: { 'Retry-After': '1' } };

const HTTP_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

/** Every error leaves as application/problem+json (RFC 9457) with a stable `code`. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  constructor(private readonly database: DatabaseOutageMonitor) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<FastifyReply>();
    const req = ctx.getRequest<FastifyRequest>();
    const path = pathOf(req.originalUrl ?? req.url);
    if (exception instanceof HtmlPageException) {
      if (res.sent || res.raw.headersSent) return;
      void res.headers(exception.headers).code(exception.status).type('text/html; charset=utf-8').send(exception.html);
      return;
    }
    const p = this.toProblem(exception);
    // A database outage is reported once by the monitor, not once per request.
    if (p.status >= 500 && !this.database.absorbs(exception)) this.logger.error({ err: exception, path }, p.detail);
    if (res.sent || res.raw.headersSent) return;
    void sendProblem(res.headers(p.headers), p.body(path));
  }

  private toProblem(err: unknown): ProblemException {
    if (err instanceof ProblemException) return err;
    if (err instanceof DomainError) {
      const errors: FieldError[] | undefined = err.field ? [{ field: err.field, message: err.message }] : undefined;
      return new ProblemException(DOMAIN_STATUS[err.kind], err.code, err.message, errors, DOMAIN_HEADERS[err.kind]);
    }
    if (err instanceof VersionMismatchError) {
      return new ProblemException(412, 'VERSION_MISMATCH', err.message, undefined, { ETag: `"${err.actual}"` });
    }
    if (err instanceof WrongExpectedVersionError) return new ProblemException(409, 'CONCURRENT_MODIFICATION', 'the event was changed concurrently; retry');
    if (err instanceof HttpException) {
      const status = err.getStatus();
      if (status === 413) return new ProblemException(413, 'PAYLOAD_TOO_LARGE', 'the request body is larger than the 1 MB limit');
      const r = err.getResponse();
      const msg = typeof r === 'string' ? r : ((r as { message?: unknown }).message ?? err.message);
      return new ProblemException(status, HTTP_CODES[status] ?? (status >= 500 ? 'INTERNAL' : 'ERROR'), Array.isArray(msg) ? msg.join('; ') : String(msg));
    }
    if (isDatabaseUnavailable(err) || (err instanceof QueryFailedError && isDatabaseUnavailable(err.driverError))) {
      return new ProblemException(503, 'DATABASE_UNAVAILABLE', 'the database is unreachable; nothing was written, retry later', undefined, { 'Retry-After': '5' });
    }
    return new ProblemException(500, 'INTERNAL', 'an unexpected error occurred');
  }
}
