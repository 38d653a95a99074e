/**
 * An error answered with an HTML page instead of problem+json: for pages a person opens from
 * an email. Thrown rather than returned so interceptors see a failure (an idempotency claim is
 * released); the problem filter sends it as it is.
 */
export class HtmlPageException extends Error {
  constructor(
    readonly status: number,
    readonly html: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTML page ${status}`);
    this.name = 'HtmlPageException';
  }
}
