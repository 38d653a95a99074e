import { randomUUID } from 'node:crypto';
import { createTransport } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';

/** A message as the SMTP transport sends it: its bytes, its envelope and its Message-ID. */
export interface BuiltMail {
  raw: Buffer;
  envelope: { from: string; to: string[] };
  messageId: string;
}

/**
 * The message nodemailer's own sendMail would build for these options (its MailComposer: the
 * same MIME tree, encodings and headers), as one buffer. Handed to the transport as `raw`, it
 * goes through the connection's dot-escaping stream and onto the socket in one write, instead of
 * one write per part, header block and encoded line.
 */
export async function buildMail(options: Mail.Options): Promise<BuiltMail> {
  // Random per message as nodemailer's own, from one draw: left to nodemailer, each of the
  // message's MIME nodes draws its own (only the root's is used).
  const node = new MailComposer({ baseBoundary: randomUUID().replaceAll('-', ''), ...options }).compile();
  const envelope = node.getEnvelope();
  return { raw: await node.build(), envelope: { from: envelope.from || '', to: envelope.to }, messageId: node.messageId() };
}

export interface SmtpSettings {
  url: string;
  maxConnections: number;
}

/** What a send answers, as plain data (it crosses from a mail thread). */
export type SendOutcome = { ok: true; messageId: string; accepted: boolean } | { ok: false; error: SendError };

/** The fields of a transport error that classify and failureReason read. */
export interface SendError {
  message: string;
  code?: string;
  responseCode?: number;
  response?: string;
}

function plainError(err: unknown): SendError {
  const e = (err ?? {}) as { message?: unknown; code?: unknown; responseCode?: unknown; response?: unknown };
  return {
    message: typeof e.message === 'string' ? e.message : String(err),
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(typeof e.responseCode === 'number' ? { responseCode: e.responseCode } : {}),
    ...(typeof e.response === 'string' ? { response: e.response } : {}),
  };
}

/**
 * Builds and sends over its own pooled transport (reused connections, a few at once): the whole
 * of a send's work, used by the jobs' thread itself or by each mail thread. Imports nothing of
 * the application, so a mail thread loads only nodemailer.
 */
export class SmtpSender {
  private readonly transport;

  constructor(settings: SmtpSettings) {
    this.transport = createTransport({
      pool: true,
      url: settings.url,
      maxConnections: settings.maxConnections,
      // Bounded, so a hung server fails the attempt (and BullMQ retries) well before a claimed
      // delivery is considered abandoned (deliveries.ts STALE_SENDING).
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
  }

  async send(options: Mail.Options): Promise<SendOutcome> {
    try {
      const built = await buildMail(options);
      const info = await this.transport.sendMail({ envelope: built.envelope, raw: built.raw, messageId: built.messageId });
      return { ok: true, messageId: info.messageId, accepted: info.accepted.length > 0 };
    } catch (err) {
      return { ok: false, error: plainError(err) };
    }
  }

  close(): void {
    this.transport.close();
  }
}
