import { Webhook } from 'standardwebhooks';
import type { StoredEvent } from '../../../events/envelope';
import { CALENDAR_EVENT_STREAM_PREFIX } from '../../scheduling/domain/events';

/** The JSON body of a webhook: the event as the log holds it, without what it must not carry. */
export function webhookBody(e: StoredEvent): string {
  const recordedAt = e.recordedAt.toISOString();
  return JSON.stringify({
    type: e.type,
    timestamp: recordedAt,
    data: {
      position: e.position,
      eventId: e.streamId.startsWith(CALENDAR_EVENT_STREAM_PREFIX) ? e.streamId.slice(CALENDAR_EVENT_STREAM_PREFIX.length) : e.streamId,
      streamId: e.streamId,
      version: e.version,
      type: e.type,
      data: e.data,
      metadata: { actor: e.metadata.actor, correlationId: e.metadata.correlationId, recordedAt },
    },
  });
}

/**
 * Standard Webhooks headers: `webhook-id` is the log event's id (the same on every retry, so a
 * receiver can deduplicate), the timestamp is the attempt's, and the signature header holds one
 * `v1,<base64>` per secret in use (two during a rotation's overlap), space-separated.
 */
export function headerSigner(secrets: readonly string[]): (eventId: string, body: string, at: Date) => Record<string, string> {
  const keys = secrets.map((s) => new Webhook(s));
  return (eventId, body, at) => ({
    'webhook-id': eventId,
    'webhook-timestamp': Math.floor(at.getTime() / 1000).toString(),
    'webhook-signature': keys.map((k) => k.sign(eventId, at, body)).join(' '),
  });
}
