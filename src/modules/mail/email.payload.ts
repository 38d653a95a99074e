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

/**
 * Payload of `email/send-batch`: deliveries of one fan-out page (at most SEND_BATCH_SIZE), claimed,
 * loaded, rendered and sent by one job. Each keeps its own row, claim and outcome.
 */
export interface SendEmailBatchPayload {
  deliveries: SendEmailPayload[];
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Deterministic BullMQ job id for a delivery (hex, so no ':'): a delivery is queued at most once. */
export const sendEmailJobId = (deliveryKey: string): string => sha256(deliveryKey);

/** Deterministic id of a batch: the same deliveries make the same job, whatever their order. */
export const sendEmailBatchJobId = (deliveryKeys: readonly string[]): string => `batch-${sha256([...deliveryKeys].sort().join('\n'))}`;

/** Deterministic Message-ID: a duplicate of a delivery after a crash (email.job.ts) is recognisably the same message. */
export const messageIdFor = (deliveryKey: string, mailFrom: string): string => `<${sha256(deliveryKey)}@${mailFrom.split('@')[1] ?? 'almanac'}>`;
