import { SetMetadata } from '@nestjs/common';

/** One email, ready for the transport. `messageId` is deterministic per delivery. */
export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  headers?: Record<string, string>;
  icalEvent?: { method: 'REQUEST' | 'CANCEL' | 'PUBLISH'; content: string };
}

/** What a renderer produces: the send job adds the recipient's address and the delivery's Message-ID. */
export type RenderedMail = Omit<OutgoingMail, 'to' | 'messageId'>;

/** The transport port: SMTP in production, an in-memory/Redis sink in development. */
export abstract class Mailer {
  abstract send(mail: OutgoingMail): Promise<{ messageId: string; accepted: boolean }>;
}

/** Who an email goes to, decrypted just before rendering. */
export interface Recipient {
  subscriptionId: string;
  email: string;
  name: string | null;
  locale: string;
  unsubscribeUrl: string;
}

/**
 * What the emails of one send batch share while they are rendered: each value made once per key
 * (the event read once, not once per recipient). A single send gets a scope of its own.
 */
export class RenderScope {
  private readonly made = new Map<string, unknown>();

  once<T>(key: string, make: () => T): T {
    if (!this.made.has(key)) this.made.set(key, make());
    return this.made.get(key) as T;
  }
}

/** A kind of email; part B registers 'reminder' | 'updated' | 'cancelled'. */
export interface EmailRenderer<P = unknown> {
  readonly kind: string;
  /** `{ skip }` records the delivery as skipped with that reason and sends nothing. */
  render(payload: P, recipient: Recipient, scope: RenderScope): Promise<RenderedMail | { skip: string }>;
}

export const EMAIL_RENDERER = 'almanac:email-renderer';

/** Marks a provider implementing EmailRenderer; the email job discovers it at start. */
export const RegisterEmailRenderer = () => SetMetadata(EMAIL_RENDERER, true);
