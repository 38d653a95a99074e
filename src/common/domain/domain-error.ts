/**
 * A rule of some domain or application step refused a request. Pure (no HTTP): `kind` says what
 * sort of refusal it is and only the HTTP layer maps it (not-found 404, conflict 409, invalid 400,
 * gone 410, unauthorized 401, unavailable 503 — try again shortly); `code` is contract.
 */
export type DomainErrorKind = 'not-found' | 'conflict' | 'invalid' | 'gone' | 'unauthorized' | 'unavailable';

export class DomainError<C extends string = string> extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    readonly code: C,
    message: string,
    /** For invalid input: the field at fault, listed in `errors[]`. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
