import { DeciderSpec } from '../../../testing/decider-spec';
import type { Sealed, SubscriptionEvent } from './events';
import { Preferences, SubscriptionCommand, evolve, initialState, subscriptionDecider } from './subscription';

const sealed = (s: string): Sealed => ({ ciphertext: Buffer.from(s).toString('base64'), iv: 'aXY=', tag: 'dGFn' });
const prefs: Preferences = { countries: ['KR'], programmes: [], eventIds: [], leadTimes: ['P1D'], locale: 'en' };
const requested: SubscriptionEvent = { type: 'SubscriptionRequested', data: { email: sealed('a@b.c'), name: null, ...prefs } };
const confirmed: SubscriptionEvent = { type: 'SubscriptionConfirmed', data: {} };
const unsubscribed: SubscriptionEvent = { type: 'Unsubscribed', data: { reason: 'one-click' } };
const erased: SubscriptionEvent = { type: 'SubscriberErased', data: {} };
const request: SubscriptionCommand = { kind: 'request', email: sealed('a@b.c'), name: null, preferences: prefs };
const confirm = (issuedAtVersion: number, preferences = prefs): SubscriptionCommand => ({ kind: 'confirm', preferences, issuedAtVersion });

const given = DeciderSpec.for(subscriptionDecider).given;
const stateOf = (...events: SubscriptionEvent[]) => events.reduce(evolve, initialState);

describe('Subscription decider: request', () => {
  it('a new address is requested, pending', () => {
    given().when(request).then([requested]);
    expect(stateOf(requested)).toMatchObject({ status: 'pending', version: 1, preferences: prefs });
  });

  it('asking again while pending or confirmed appends nothing (the link carries the change)', () => {
    given(requested).when(request).thenNothing();
    given(requested, confirmed).when(request).thenNothing();
  });

  it('an address that unsubscribed may ask again: a fresh opt-in', () => {
    given(requested, confirmed, unsubscribed).when(request).then([requested]);
    expect(stateOf(requested, confirmed, unsubscribed, requested).status).toBe('pending');
  });

  it('an erased subscription cannot be requested again on its stream', () => {
    given(requested, erased).when(request).thenThrows({ code: 'SUBSCRIPTION_ERASED', kind: 'conflict' });
  });
});

describe('Subscription decider: confirm', () => {
  it('confirming a pending subscription confirms; a second confirmation changes nothing', () => {
    given(requested).when(confirm(1)).then([confirmed]);
    given(requested, confirmed).when(confirm(1)).thenNothing();
  });

  it("a confirmation link's preferences are applied, only the fields that changed", () => {
    const wanted = { ...prefs, programmes: ['culture'] };
    given(requested, confirmed)
      .when(confirm(2, wanted))
      .then([{ type: 'SubscriptionPreferencesChanged', data: { programmes: ['culture'] } }]);
    expect(stateOf(requested, confirmed, { type: 'SubscriptionPreferencesChanged', data: { programmes: ['culture'] } }).preferences).toEqual(wanted);
  });

  it('a pending subscription confirmed with other preferences records the change, then the confirmation', () => {
    const wanted = { ...prefs, leadTimes: ['PT1H', 'P1D'] };
    given(requested)
      .when(confirm(1, wanted))
      .then([{ type: 'SubscriptionPreferencesChanged', data: { leadTimes: ['PT1H', 'P1D'] } }, confirmed]);
  });

  it('an unknown subscription cannot be confirmed', () => {
    given().when(confirm(0)).thenThrows({ code: 'SUBSCRIPTION_NOT_FOUND', kind: 'not-found' });
  });

  it('a link issued before an unsubscribe no longer works, even after a fresh request', () => {
    given(requested, confirmed, unsubscribed).when(confirm(1)).thenThrows({ code: 'CONFIRMATION_SUPERSEDED', kind: 'conflict' });
    given(requested, confirmed, unsubscribed, requested).when(confirm(1)).thenThrows({ code: 'CONFIRMATION_SUPERSEDED' });
    given(requested, confirmed, unsubscribed, requested).when(confirm(4)).then([confirmed]);
  });

  it('an erased subscription cannot be confirmed', () => {
    given(requested, confirmed, erased).when(confirm(2)).thenThrows({ code: 'SUBSCRIPTION_ERASED', kind: 'conflict' });
  });
});

describe('Subscription decider: unsubscribe', () => {
  it('unsubscribes a pending or confirmed subscription once', () => {
    given(requested).when({ kind: 'unsubscribe', reason: 'one-click' }).then([unsubscribed]);
    given(requested, confirmed).when({ kind: 'unsubscribe', reason: 'one-click' }).then([unsubscribed]);
    given(requested, confirmed, unsubscribed).when({ kind: 'unsubscribe', reason: 'link' }).thenNothing();
  });

  it('unknown or erased: nothing happens, and the caller learns nothing', () => {
    given().when({ kind: 'unsubscribe', reason: 'link' }).thenNothing();
    given(requested, confirmed, erased).when({ kind: 'unsubscribe', reason: 'link' }).thenNothing();
  });
});

describe('Subscription decider: erase', () => {
  it('erasure is recorded once and forgets the sealed address and name', () => {
    given(requested, confirmed).when({ kind: 'erase' }).then([erased]);
    given(requested, unsubscribed).when({ kind: 'erase' }).then([erased]);
    given(requested, confirmed, erased).when({ kind: 'erase' }).thenNothing();
    expect(stateOf(requested, confirmed, erased)).toMatchObject({ status: 'erased', email: null, name: null });
  });

  it('an unknown subscription cannot be erased', () => {
    given().when({ kind: 'erase' }).thenThrows({ code: 'SUBSCRIPTION_NOT_FOUND', kind: 'not-found' });
  });
});
