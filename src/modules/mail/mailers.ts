import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { createTransport } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { RedisClient } from '../../jobs/redis-client';
import { Mailer, OutgoingMail } from './mail.types';

/** SMTP errors with a 5xx reply are permanent: retrying cannot help. */
export class PermanentMailError extends Error {
  constructor(
    message: string,
    readonly responseCode: number,
  ) {
    super(message);
    this.name = 'PermanentMailError';
  }
}

function message(from: string, m: OutgoingMail): Mail.Options {
  return {
    from,
    to: m.to,
    subject: m.subject,
    text: m.text,
    html: m.html,
    messageId: m.messageId,
    headers: m.headers,
    ...(m.icalEvent ? { icalEvent: { method: m.icalEvent.method, content: m.icalEvent.content } } : {}),
  };
}

function classify(err: unknown): Error {
  const code = (err as { responseCode?: unknown }).responseCode;
  if (typeof code === 'number' && code >= 500) return Object.assign(new PermanentMailError((err as Error).message, code), { response: (err as { response?: unknown }).response });
  return err instanceof Error ? err : new Error(String(err));
}

/** SMTP_URL with a pooled transport (reused connections; a few at once). */
@Injectable()
export class SmtpMailer extends Mailer implements OnApplicationShutdown {
  private readonly transport;
  private readonly from: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super();
    this.from = config.MAIL_FROM;
    this.transport = createTransport({
      pool: true,
      url: config.SMTP_URL,
      maxConnections: 5,
      // Bounded, so a hung server fails the attempt (and BullMQ retries) well before a claimed
      // delivery is considered abandoned (deliveries.ts STALE_SENDING).
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
  }

  async send(m: OutgoingMail): Promise<{ messageId: string; accepted: boolean }> {
    try {
      const info = await this.transport.sendMail(message(this.from, m));
      return { messageId: info.messageId, accepted: info.accepted.length > 0 };
    } catch (err) {
      throw classify(err);
    }
  }

  onApplicationShutdown(): void {
    this.transport.close();
  }
}

export interface DevMailboxMessage {
  messageId: string;
  to: string;
  subject: string;
  date: string;
  /** The plain-text part as rendered (the raw source has it quoted-printable, links broken across lines). */
  text: string;
  /** The full RFC 5322 source, as an SMTP server would receive it. */
  raw: string;
}

const DEV_MAILBOX_CAP = 500;

/**
 * The development sink (SMTP_URL unset, never in production): nodemailer builds the real MIME
 * message and it is kept in Redis, a list capped at 500 under the queue prefix, so the API
 * process can list what a separate worker process sent.
 */
@Injectable()
export class DevMailbox extends Mailer {
  private readonly logger = new Logger(DevMailbox.name);
  private readonly transport = createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  private readonly from: string;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly redis: RedisClient,
  ) {
    super();
    this.from = config.MAIL_FROM;
  }

  private get key(): string {
    return this.redis.key('dev-mailbox');
  }

  async send(m: OutgoingMail): Promise<{ messageId: string; accepted: boolean }> {
    const info = await this.transport.sendMail(message(this.from, m));
    const raw = Buffer.isBuffer(info.message) ? info.message.toString('utf8') : String(info.message);
    const entry: DevMailboxMessage = { messageId: info.messageId, to: m.to, subject: m.subject, date: new Date().toISOString(), text: m.text, raw };
    await this.redis.redis
      .multi()
      .lpush(this.key, JSON.stringify(entry))
      .ltrim(this.key, 0, DEV_MAILBOX_CAP - 1)
      .exec();
    this.logger.log({ subject: m.subject, messageId: info.messageId }, 'email kept in the development mailbox (/dev/mailbox)');
    return { messageId: info.messageId, accepted: true };
  }

  /** Newest first. */
  async list(): Promise<DevMailboxMessage[]> {
    const items = await this.redis.redis.lrange(this.key, 0, DEV_MAILBOX_CAP - 1);
    return items.map((s) => JSON.parse(s) as DevMailboxMessage);
  }
}
