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

/** A kind of email; part B registers 'reminder' | 'updated' | 'cancelled'. */
export interface EmailRenderer<P = unknown> {
  readonly kind: string;
  /** `{ skip }` records the delivery as skipped with that reason and sends nothing. */
  render(payload: P, recipient: Recipient): Promise<RenderedMail | { skip: string }>;
}

export const EMAIL_RENDERER = 'almanac:email-renderer';

/** Marks a provider implementing EmailRenderer; the email job discovers it at start. */
export const RegisterEmailRenderer = () => SetMetadata(EMAIL_RENDERER, true);
