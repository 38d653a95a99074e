/** Anything shaped like an email address (local@domain), as servers quote them: bare or in <…>. */
const ADDRESS = /[^\s<>()[\]]+@[^\s<>()[\]]+/g;

export const redactAddresses = (s: string): string => s.replace(ADDRESS, '[address]');

export interface FailureReason {
  /** `smtp-550` for a server's reply, else the transport's error code (`econnection`), else `error`. */
  code: string;
  /** The server's reply (or the error's message), addresses replaced, at most 500 characters. */
  reason: string;
}

/**
 * Why a send failed, fit to be stored, shown to admins and logged: SMTP replies quote the
 * recipient (`550 <bob@x>: Recipient address rejected`), and the address must not outlive its
 * erasure in a deliveries row or a log line.
 */
export function failureReason(err: unknown): FailureReason {
  const e = (err ?? {}) as { responseCode?: unknown; response?: unknown; code?: unknown; message?: unknown };
  const code = typeof e.responseCode === 'number' ? `smtp-${e.responseCode}` : typeof e.code === 'string' && /^[A-Z_]{2,40}$/i.test(e.code) ? e.code.toLowerCase() : 'error';
  const text = typeof e.response === 'string' ? e.response : typeof e.message === 'string' ? e.message : String(err);
  return { code, reason: redactAddresses(text).slice(0, 500) };
}
