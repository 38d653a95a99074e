import { HttpStatus } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

export interface FieldError {
  field: string;
  message: string;
}

/** RFC 9457 problem details, with the contract's `code` and `errors[]` (docs/architecture.md, HTTP). */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  errors?: FieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
/** The Content-Type header a problem is sent with, word for word as before. */
export const PROBLEM_CONTENT_TYPE_UTF8 = `${PROBLEM_CONTENT_TYPE}; charset=utf-8`;
/** A request URL's path, without the query string: a problem's `instance`. */
export const pathOf = (url: string): string => {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
};
const TYPE_BASE = 'https://almanac.dev/problems/';

/** Thrown anywhere in the HTTP layer; the problem filter renders it as is. */
export class ProblemException extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly errors?: FieldError[],
    /** Extra response headers, e.g. Retry-After. */
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'ProblemException';
  }

  body(instance?: string): ProblemBody {
    return problemBody(this.status, this.code, this.detail, this.errors, instance);
  }
}

export function problemBody(status: number, code: string, detail: string, errors?: FieldError[], instance?: string): ProblemBody {
  return {
    type: `${TYPE_BASE}${code.toLowerCase().replace(/_/g, '-')}`,
    title: titleOf(status),
    status,
    detail,
    code,
    ...(instance ? { instance } : {}),
    ...(errors && errors.length ? { errors } : {}),
  };
}

/** Sends a problem the one way every error leaves: its status, the problem+json type, the body. */
export function sendProblem(reply: FastifyReply, body: ProblemBody): FastifyReply {
  return reply.code(body.status).type(PROBLEM_CONTENT_TYPE_UTF8).send(JSON.stringify(body));
}

function titleOf(status: number): string {
  const name = HttpStatus[status];
  if (!name) return 'Error';
  return name
    .toLowerCase()
    .replace(/_/g, ' ')
    .replace(/^./, (c) => c.toUpperCase());
}

export const validationProblem = (errors: FieldError[]): ProblemException => new ProblemException(400, 'VALIDATION_FAILED', errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
