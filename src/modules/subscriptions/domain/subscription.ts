import { DomainError } from '../../../common/domain/domain-error';
import type { Decider } from '../../../events/aggregate';
import type { Sealed, SubscriptionEvent } from './events';

/** What a subscriber asked to hear about (matching rules: docs/architecture.md, Reminders). Lists are kept sorted and unique. */
export interface Preferences {
  countries: string[];
  programmes: string[];
  eventIds: string[];
  leadTimes: string[];
  locale: string;
}

export type SubscriptionStatus = 'absent' | 'pending' | 'confirmed' | 'unsubscribed' | 'erased';

export interface SubscriptionState {
  status: SubscriptionStatus;
  /** Events folded so far (= stream version): confirmation links remember it. */
  version: number;
  /** Version of the last Unsubscribed: a confirmation link older than it no longer works. */
  unsubscribedAt: number;
  email: Sealed | null;
  name: Sealed | null;
  preferences: Preferences | null;
}

export const initialState: SubscriptionState = { status: 'absent', version: 0, unsubscribedAt: 0, email: null, name: null, preferences: null };

/** `email`/`name` arrive sealed: the domain never sees a clear address. */
export type SubscriptionCommand =
  | { kind: 'request'; email: Sealed; name: Sealed | null; preferences: Preferences }
  | { kind: 'confirm'; preferences: Preferences; issuedAtVersion: number }
  | { kind: 'unsubscribe'; reason: string }
  | { kind: 'erase' };

export type SubscriptionErrorCode = 'SUBSCRIPTION_NOT_FOUND' | 'SUBSCRIPTION_ERASED' | 'CONFIRMATION_SUPERSEDED';

export function samePreferences(a: Preferences, b: Preferences): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Only the fields that differ, for SubscriptionPreferencesChanged. */
function changedPreferences(from: Preferences, to: Preferences): Partial<Preferences> {
  const out: Partial<Preferences> = {};
  for (const k of Object.keys(to) as (keyof Preferences)[]) {
    if (JSON.stringify(from[k]) !== JSON.stringify(to[k])) (out as Record<string, unknown>)[k] = to[k];
  }
  return out;
}

export function decide(s: SubscriptionState, c: SubscriptionCommand): SubscriptionEvent[] {
  switch (c.kind) {
    case 'request': {
      if (s.status === 'erased') throw new DomainError('conflict', 'SUBSCRIPTION_ERASED', 'this subscription was erased');
      // A new address, or one that unsubscribed and asks again: a fresh opt-in. An active
      // (pending or confirmed) subscription changes only through its confirmation link, so a
      // stranger who knows the address cannot alter it: the handler re-sends the link instead.
      if (s.status !== 'absent' && s.status !== 'unsubscribed') return [];
      return [{ type: 'SubscriptionRequested', data: { email: c.email, name: c.name, ...c.preferences } }];
    }
    case 'confirm': {
      if (s.status === 'absent') throw new DomainError('not-found', 'SUBSCRIPTION_NOT_FOUND', 'no such subscription');
      if (s.status === 'erased') throw new DomainError('conflict', 'SUBSCRIPTION_ERASED', 'this subscription was erased');
      if (s.unsubscribedAt > c.issuedAtVersion || s.status === 'unsubscribed') {
        throw new DomainError('conflict', 'CONFIRMATION_SUPERSEDED', 'this link was sent before the subscription was cancelled; subscribe again');
      }
      const events: SubscriptionEvent[] = [];
      const changes = s.preferences ? changedPreferences(s.preferences, c.preferences) : c.preferences;
      if (Object.keys(changes).length) events.push({ type: 'SubscriptionPreferencesChanged', data: changes });
      if (s.status === 'pending') events.push({ type: 'SubscriptionConfirmed', data: {} });
      return events;
    }
    case 'unsubscribe':
      // Unknown, erased or already unsubscribed: nothing to do, and the caller learns nothing.
      return s.status === 'pending' || s.status === 'confirmed' ? [{ type: 'Unsubscribed', data: { reason: c.reason } }] : [];
    case 'erase':
      if (s.status === 'absent') throw new DomainError('not-found', 'SUBSCRIPTION_NOT_FOUND', 'no such subscription');
      return s.status === 'erased' ? [] : [{ type: 'SubscriberErased', data: {} }];
  }
}

export function evolve(s: SubscriptionState, e: SubscriptionEvent): SubscriptionState {
  const version = s.version + 1;
  switch (e.type) {
    case 'SubscriptionRequested': {
      const { email, name, ...preferences } = e.data;
      return { ...s, version, status: 'pending', email, name, preferences };
    }
    case 'SubscriptionConfirmed':
      return { ...s, version, status: 'confirmed' };
    case 'SubscriptionPreferencesChanged': {
      const { name, ...prefs } = e.data;
      return { ...s, version, name: name === undefined ? s.name : name, preferences: s.preferences ? { ...s.preferences, ...prefs } : s.preferences };
    }
    case 'Unsubscribed':
      return { ...s, version, status: 'unsubscribed', unsubscribedAt: version };
    case 'SubscriberErased':
      return { ...s, version, status: 'erased', email: null, name: null };
  }
}

export const subscriptionDecider: Decider<SubscriptionState, SubscriptionCommand, SubscriptionEvent> = { initialState, decide, evolve };
