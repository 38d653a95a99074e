import { DomainError } from '../../../common/domain/domain-error';
import type { Sealed, SubscriptionEvent } from './events';
import { Preferences, SubscriptionCommand, decide, evolve, initialState } from './subscription';

const sealed = (s: string): Sealed => ({ ciphertext: Buffer.from(s).toString('base64'), iv: 'aXY=', tag: 'dGFn' });
const prefs: Preferences = { countries: ['KR'], programmes: [], eventIds: [], leadTimes: ['P1D'], locale: 'en' };
const requested: SubscriptionEvent = { type: 'SubscriptionRequested', data: { email: sealed('a@b.c'), name: null, ...prefs } };
const confirmed: SubscriptionEvent = { type: 'SubscriptionConfirmed', data: {} };
const request: SubscriptionCommand = { kind: 'request', email: sealed('a@b.c'), name: null, preferences: prefs };

/** given events, when command, then events (or the error code). */
function given(...history: SubscriptionEvent[]) {
  const state = history.reduce(evolve, initialState);
  return {
    state,
    when: (c: SubscriptionCommand) => {
      try {
        return { events: decide(state, c) };
      } catch (err) {
        if (err instanceof DomainError) return { error: err.code };
        throw err;
      }
    },
  };
}

describe('Subscription decider', () => {
  it('a new address is requested, pending', () => {
    expect(given().when(request)).toEqual({ events: [requested] });
    expect(given(requested).state).toMatchObject({ status: 'pending', version: 1, preferences: prefs });
  });

  it('asking again while pending or confirmed appends nothing (the link carries the change)', () => {
    expect(given(requested).when(request)).toEqual({ events: [] });
    expect(given(requested, confirmed).when(request)).toEqual({ events: [] });
  });

  it('confirming a pending subscription confirms; a second confirmation changes nothing', () => {
    expect(given(requested).when({ kind: 'confirm', preferences: prefs, issuedAtVersion: 1 })).toEqual({ events: [confirmed] });
    expect(given(requested, confirmed).when({ kind: 'confirm', preferences: prefs, issuedAtVersion: 1 })).toEqual({ events: [] });
  });

  it("a confirmation link's preferences are applied, only the fields that changed", () => {
    const wanted = { ...prefs, programmes: ['culture'] };
    expect(given(requested, confirmed).when({ kind: 'confirm', preferences: wanted, issuedAtVersion: 2 })).toEqual({
      events: [{ type: 'SubscriptionPreferencesChanged', data: { programmes: ['culture'] } }],
    });
    const changed = given(requested, confirmed, { type: 'SubscriptionPreferencesChanged', data: { programmes: ['culture'] } }).state;
    expect(changed.preferences).toEqual(wanted);
  });

  it('unsubscribes once; an old confirmation link cannot undo it; asking again starts a new opt-in', () => {
    const unsubscribed: SubscriptionEvent = { type: 'Unsubscribed', data: { reason: 'one-click' } };
    expect(given(requested, confirmed).when({ kind: 'unsubscribe', reason: 'one-click' })).toEqual({ events: [unsubscribed] });
    expect(given(requested, confirmed, unsubscribed).when({ kind: 'unsubscribe', reason: 'link' })).toEqual({ events: [] });
    expect(given(requested, confirmed, unsubscribed).when({ kind: 'confirm', preferences: prefs, issuedAtVersion: 1 })).toEqual({ error: 'CONFIRMATION_SUPERSEDED' });
    expect(given(requested, confirmed, unsubscribed).when(request)).toEqual({ events: [requested] });
    const again = given(requested, confirmed, unsubscribed, requested);
    expect(again.state.status).toBe('pending');
    expect(again.when({ kind: 'confirm', preferences: prefs, issuedAtVersion: 1 })).toEqual({ error: 'CONFIRMATION_SUPERSEDED' });
    expect(again.when({ kind: 'confirm', preferences: prefs, issuedAtVersion: 4 })).toEqual({ events: [confirmed] });
  });

  it('erasure is recorded once and ends the subscription for good', () => {
    const erased: SubscriptionEvent = { type: 'SubscriberErased', data: {} };
    expect(given(requested, confirmed).when({ kind: 'erase' })).toEqual({ events: [erased] });
    const s = given(requested, confirmed, erased);
    expect(s.state).toMatchObject({ status: 'erased', email: null, name: null });
    expect(s.when({ kind: 'erase' })).toEqual({ events: [] });
    expect(s.when({ kind: 'confirm', preferences: prefs, issuedAtVersion: 2 })).toEqual({ error: 'SUBSCRIPTION_ERASED' });
    expect(s.when({ kind: 'unsubscribe', reason: 'link' })).toEqual({ events: [] });
    expect(given().when({ kind: 'erase' })).toEqual({ error: 'SUBSCRIPTION_NOT_FOUND' });
  });
});
