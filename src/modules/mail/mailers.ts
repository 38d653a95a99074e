import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { createTransport } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import Piscina from 'piscina';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { RedisClient } from '../../jobs/redis-client';
import { type SendOutcome, SmtpSender, type SmtpSettings } from './smtp-sender';
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

/**
 * The mail threads' module. Run from the TypeScript sources (the tests) there is none beside this
 * file: the threads then load the compiled one from dist/ (the tests build it first).
 */
function threadFile(): string {
  const here = join(__dirname, 'smtp-sender.thread.js');
  return existsSync(here) ? here : resolve(__dirname, '..', '..', '..', 'dist', 'modules', 'mail', 'smtp-sender.thread.js');
}

/**
 * SMTP_URL over pooled connections. Building a message (nodemailer's MIME build) and writing it
 * are most of a send's CPU, so they run in MAIL_THREADS threads, each with its own pooled
 * transport (SMTP_MAX_CONNECTIONS shared among them), while the jobs' thread claims, loads,
 * renders and records; 0 does it all in the jobs' thread. A mail thread only builds and sends
 * what it is given: the claim and the record stay with the job, so a thread that dies fails
 * the sends it held like an SMTP failure (the job retries them) and the pool replaces it.
 */
@Injectable()
export class SmtpMailer extends Mailer implements OnApplicationShutdown {
  private readonly local: SmtpSender | null;
  private pool: Piscina<Mail.Options, SendOutcome> | null = null;
  private readonly settings: SmtpSettings;
  private readonly threadCount: number;
  private readonly from: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super();
    this.from = config.MAIL_FROM;
    this.threadCount = config.MAIL_THREADS;
    const maxConnections = Math.max(1, Math.ceil(config.SMTP_MAX_CONNECTIONS / Math.max(1, this.threadCount)));
    this.settings = { url: config.SMTP_URL ?? '', maxConnections };
    this.local = this.threadCount === 0 ? new SmtpSender(this.settings) : null;
  }

  /**
   * Started on the first send, so a process that sends nothing (the API) starts no thread. A
   * fixed number of threads: the pool replaces a dead one at once (with fewer it would leave the
   * sends queued behind it waiting for the next send), and each thread has enough sends under
   * way to keep its connections busy.
   */
  private threadPool(): Piscina<Mail.Options, SendOutcome> {
    this.pool ??= new Piscina({
      filename: threadFile(),
      workerData: this.settings,
      minThreads: this.threadCount,
      maxThreads: this.threadCount,
      concurrentTasksPerWorker: 4 * this.settings.maxConnections,
    });
    return this.pool;
  }

  async send(m: OutgoingMail): Promise<{ messageId: string; accepted: boolean }> {
    const options = message(this.from, m);
    let out: SendOutcome;
    try {
      out = this.local ? await this.local.send(options) : await this.threadPool().run(options);
    } catch (err) {
      // The thread died under this send (or could not start): retried like an SMTP failure. Had the
      // server already taken it, the retry sends it again (the one window email.job.ts describes).
      throw classify(err);
    }
    if (!out.ok) throw classify(Object.assign(new Error(out.error.message), out.error));
    return { messageId: out.messageId, accepted: out.accepted };
  }

  /** The mail threads running now (the fault tests end one). */
  get threads(): readonly Worker[] {
    return this.pool?.threads ?? [];
  }

  /** After the jobs have drained: close waits for the sends still under way. */
  async onApplicationShutdown(): Promise<void> {
    this.local?.close();
    await this.pool?.close();
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
