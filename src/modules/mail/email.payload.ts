import { createHash } from 'node:crypto';

/** Payload of `email/send`: one email to one subscriber, identified by its delivery key. */
export interface SendEmailPayload {
  /** Part B: `${eventId}|${subscriptionId}|${kind}|${start}|${leadTime}`; confirmation: `confirm|<subscriptionId>|<version>|<hour>`. */
  deliveryKey: string;
  kind: string;
  subscriptionId: string;
  eventId: string | null;
  payload: unknown;
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Deterministic BullMQ job id for a delivery (hex, so no ':'): a delivery is queued at most once. */
export const sendEmailJobId = (deliveryKey: string): string => sha256(deliveryKey);

/** Deterministic Message-ID: a duplicate of a delivery after a crash (email.job.ts) is recognisably the same message. */
export const messageIdFor = (deliveryKey: string, mailFrom: string): string => `<${sha256(deliveryKey)}@${mailFrom.split('@')[1] ?? 'almanac'}>`;
