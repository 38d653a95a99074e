import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config/config';
import { subscriptionStream } from '../../src/modules/subscriptions/domain/events';
import { PersonalDataVault } from '../../src/modules/subscriptions/personal-data.vault';
import { SubscriptionsProjection } from '../../src/modules/subscriptions/subscriptions.projection';
import { ProjectionSpec, SpecEvent } from '../harness/projection-spec';
import { TestDatabase, createTestDatabase } from '../support/database';

let db: TestDatabase;
let vault: PersonalDataVault;
let spec: ReturnType<typeof ProjectionSpec.for>;
beforeAll(async () => {
  db = await createTestDatabase('subscriptions_projection');
  vault = new PersonalDataVault(db.dataSource, loadConfig({ NODE_ENV: 'test', DATA_KEY_SECRET: 'projection-spec-data-key-secret-0123456789' }));
  spec = ProjectionSpec.for(new SubscriptionsProjection(vault), () => db.dataSource);
});
afterAll(async () => {
  await db?.drop();
});

const sealed = { ciphertext: 'Y2lwaGVy', iv: 'aXY=', tag: 'dGFn' };
const preferences = { countries: ['KR', 'CN'], programmes: ['culture'], eventIds: [] as string[], leadTimes: ['P1D'], locale: 'en' };
const on = (id: string, type: string, data: object, recordedAt?: string): SpecEvent => ({ streamId: subscriptionStream(id), type, data, recordedAt });
const requested = (id: string, recordedAt?: string) => on(id, 'SubscriptionRequested', { email: sealed, name: null, ...preferences }, recordedAt);

/** A subscriber whose data key (and so keyed address hash) exists, as the request handler leaves it. */
async function subscriber(): Promise<{ id: string; hash: string }> {
  const id = randomUUID();
  const email = `${id}@example.org`;
  await vault.createKey(id, email);
  return { id, hash: vault.emailHash(email) };
}

const ROW = 'SELECT id, status, countries, programmes, event_ids, lead_times, locale, email_hash, confirmed_at, version, updated_at FROM subscriptions_view';

describe('subscriptions projection', () => {
  it('a request is a pending row with its filters and the keyed hash of the address, never the address', async () => {
    const { id, hash } = await subscriber();
    await spec
      .given()
      .when(requested(id, '2026-02-01T10:00:00Z'))
      .thenRows(ROW, [
        {
          id,
          status: 'pending',
          countries: ['KR', 'CN'],
          programmes: ['culture'],
          event_ids: [],
          lead_times: ['P1D'],
          locale: 'en',
          email_hash: hash,
          confirmed_at: null,
          version: 1,
          updated_at: new Date('2026-02-01T10:00:00Z'),
        },
      ]);
  });

  it('a confirmation confirms at its recorded instant; a preferences change sets only what it names', async () => {
    const { id } = await subscriber();
    const eventId = randomUUID();
    await spec
      .given(requested(id))
      .when(on(id, 'SubscriptionConfirmed', {}, '2026-02-02T10:00:00Z'), on(id, 'SubscriptionPreferencesChanged', { eventIds: [eventId], leadTimes: ['PT1H', 'P1D'] }, '2026-02-03T10:00:00Z'))
      .thenRows('SELECT status, countries, event_ids, lead_times, confirmed_at, version, updated_at FROM subscriptions_view', [
        {
          status: 'confirmed',
          countries: ['KR', 'CN'],
          event_ids: [eventId],
          lead_times: ['PT1H', 'P1D'],
          confirmed_at: new Date('2026-02-02T10:00:00Z'),
          version: 3,
          updated_at: new Date('2026-02-03T10:00:00Z'),
        },
      ]);
  });

  it('an unsubscribed address that asks again is pending again, no longer confirmed', async () => {
    const { id } = await subscriber();
    await spec
      .given(requested(id), on(id, 'SubscriptionConfirmed', {}))
      .when(on(id, 'Unsubscribed', { reason: 'one-click' }))
      .thenRows('SELECT status, version FROM subscriptions_view', [{ status: 'unsubscribed', version: 3 }]);
    await spec
      .given(requested(id), on(id, 'SubscriptionConfirmed', {}), on(id, 'Unsubscribed', { reason: 'one-click' }))
      .when(requested(id))
      .thenRows('SELECT status, confirmed_at, version FROM subscriptions_view', [{ status: 'pending', confirmed_at: null, version: 4 }]);
  });

  it('erasure keeps the row as erased and drops the address hash', async () => {
    const { id } = await subscriber();
    await spec
      .given(requested(id), on(id, 'SubscriptionConfirmed', {}))
      .when(on(id, 'SubscriberErased', {}))
      .thenRows('SELECT status, email_hash, version FROM subscriptions_view', [{ status: 'erased', email_hash: null, version: 3 }]);
  });
});
