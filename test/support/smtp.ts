import { ParsedMail, simpleParser } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer, SMTPServerDataStream } from 'smtp-server';
import type { JobType, Queue } from 'bullmq';
import { waitFor } from './wait';

export interface ReceivedMail {
  /** The raw RFC 5322 source. */
  raw: string;
  parsed: ParsedMail;
  envelopeTo: string[];
}

export interface TestSmtp {
  /** `smtp://127.0.0.1:<port>` for SMTP_URL. */
  url: string;
  messages: ReceivedMail[];
  /** Answer MAIL FROM with a 4xx (temporary) reply until `accept()`; counts the refusals. */
  refuse(code?: number): void;
  accept(): void;
  refused: number;
  /** Answer RCPT TO of this address with a permanent `550 <address>: Recipient address rejected`, as real servers do. */
  rejectRecipient(address: string): void;
  /** Runs after a message is received and before the listener answers 250 (accepted). */
  beforeAccept?: (mail: ReceivedMail) => Promise<void>;
  /** When the listener last saw a transaction (a message or a refused MAIL FROM), epoch ms. */
  lastActivityAt: number;
  /** Connection errors the listener saw (a client gone mid-transaction), for diagnostics. */
  connectionErrors: string[];
  close(): Promise<void>;
}

/** A real SMTP listener for e2e tests: collects every message, parsed with mailparser. */
export async function startTestSmtp(): Promise<TestSmtp> {
  let refusing: number | null = null;
  const rejected = new Set<string>();
  const state: TestSmtp = {
    url: '',
    messages: [],
    refused: 0,
    lastActivityAt: Date.now(),
    connectionErrors: [],
    refuse: (code = 451) => void (refusing = code),
    accept: () => void (refusing = null),
    rejectRecipient: (address) => void rejected.add(address.toLowerCase()),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onMailFrom(_address, _session, cb) {
      state.lastActivityAt = Date.now();
      if (refusing === null) return cb();
      state.refused++;
      const err = Object.assign(new Error('try again later'), { responseCode: refusing });
      cb(err);
    },
    onRcptTo(address, _session, cb) {
      if (!rejected.has(address.address.toLowerCase())) return cb();
      cb(Object.assign(new Error(`<${address.address}>: Recipient address rejected: User unknown in virtual mailbox table`), { responseCode: 550 }));
    },
    onData(stream: SMTPServerDataStream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        simpleParser(raw)
          .then((parsed) => {
            const mail: ReceivedMail = { raw, parsed, envelopeTo: session.envelope.rcptTo.map((r) => r.address) };
            state.messages.push(mail);
            state.lastActivityAt = Date.now();
            return state.beforeAccept?.(mail);
          })
          .then(() => cb())
          .catch((err: Error) => cb(err));
      });
    },
  });
  // A client that drops its connection mid-transaction (a killed service) makes smtp-server emit
  // 'error' on the server; unheard, that would crash the test file after its tests passed.
  server.on('error', (err: Error) => state.connectionErrors.push(err.message));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  state.url = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  return state;
}

/** A header's value as a string (mailparser turns some into objects). */
export function header(m: ParsedMail, name: string): string | undefined {
  const line = m.headerLines.find((h) => h.key === name.toLowerCase());
  return line
    ? line.line
        .slice(line.line.indexOf(':') + 1)
        .replace(/\r?\n[ \t]+/g, ' ')
        .trim()
    : undefined;
}

/**
 * Waits out a settle window before counting emails: the listener quiet for `quietMs` and the
 * given queues drained (for each, the job states that still mean "may send"), so a duplicate
 * that would arrive a moment after the first email is counted too.
 */
export async function settled(smtp: TestSmtp, queues: { queue: Queue; states: JobType[] }[], quietMs = 2000): Promise<void> {
  await waitFor(
    `the mail listener quiet for ${quietMs} ms and the queues drained`,
    async () => {
      if (Date.now() - smtp.lastActivityAt < quietMs) return false;
      for (const { queue, states } of queues) {
        const counts = await queue.getJobCounts(...states);
        if (Object.values(counts).some((n) => n > 0)) return false;
      }
      return Date.now() - smtp.lastActivityAt >= quietMs;
    },
    30000,
    100,
  );
}
