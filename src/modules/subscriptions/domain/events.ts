/** An encrypted field as it stands in the log (AES-256-GCM, base64). */
export interface Sealed {
  ciphertext: string;
  iv: string;
  tag: string;
}

/** The Subscription stream's events (contract: docs/architecture.md, Events). `email`/`name` are never in clear. */
export type SubscriptionRequested = {
  type: 'SubscriptionRequested';
  data: { email: Sealed; name: Sealed | null; countries: string[]; programmes: string[]; eventIds: string[]; leadTimes: string[]; locale: string };
};
export type SubscriptionConfirmed = { type: 'SubscriptionConfirmed'; data: Record<string, never> };
export type SubscriptionPreferencesChanged = {
  type: 'SubscriptionPreferencesChanged';
  data: Partial<{ name: Sealed | null; countries: string[]; programmes: string[]; eventIds: string[]; leadTimes: string[]; locale: string }>;
};
export type Unsubscribed = { type: 'Unsubscribed'; data: { reason: string } };
/** Not in the contract list: an audit trace that the personal data was shredded (who, when). */
export type SubscriberErased = { type: 'SubscriberErased'; data: Record<string, never> };

export type SubscriptionEvent = SubscriptionRequested | SubscriptionConfirmed | SubscriptionPreferencesChanged | Unsubscribed | SubscriberErased;
export type SubscriptionEventType = SubscriptionEvent['type'];
export const SUBSCRIPTION_EVENT_TYPES: SubscriptionEventType[] = ['SubscriptionRequested', 'SubscriptionConfirmed', 'SubscriptionPreferencesChanged', 'Unsubscribed', 'SubscriberErased'];

export const SUBSCRIPTION_STREAM_PREFIX = 'subscription-';
export const subscriptionStream = (id: string): string => `${SUBSCRIPTION_STREAM_PREFIX}${id}`;
