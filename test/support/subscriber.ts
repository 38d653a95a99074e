import type { INestApplicationContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { NewEvent } from '../../src/events/envelope';
import { EventStore } from '../../src/events/event-store.port';
import { subscriptionStream } from '../../src/modules/subscriptions/domain/events';
import { Preferences, subscriptionDecider } from '../../src/modules/subscriptions/domain/subscription';
import { PersonalDataVault } from '../../src/modules/subscriptions/personal-data.vault';
import { http } from './app';
import type { ReceivedMail, TestSmtp } from './smtp';
import { waitFor } from './wait';

/**
 * A subscriber signed up and confirmed as a person would: the sign-up, the confirmation email's
 * link, its POST. Resolves with the confirmation email once the reminder plan holds the
 * subscription confirmed (the only one: each caller's database is its own).
 */
export async function confirmSubscriber(baseUrl: string, smtp: TestSmtp, db: DataSource, body: { email: string; countries: string[]; leadTimes: string[] }): Promise<ReceivedMail> {
  expect((await http(baseUrl, 'POST', '/v1/subscriptions', { body })).status).toBe(202);
  const mail = await waitFor('the confirmation email', () => smtp.messages.find((m) => m.envelopeTo.includes(body.email)), 20000);
  const link = new URL(/https:\/\/\S+\/v1\/subscriptions\/confirm\?token=[\w.-]+/.exec(mail.parsed.text ?? '')![0]);
  expect((await http(baseUrl, 'POST', `${link.pathname}${link.search}`)).status).toBe(200);
  await waitFor('the subscription confirmed in the reminder plan', async () => (await db.query('SELECT count(*)::int AS n FROM reminder_subscriptions WHERE confirmed'))[0].n === 1, 20000, 100);
  return mail;
}

/**
 * A confirmed subscription appended through its decider, with the address and name sealed by
 * the subscriber's own key (as sign-up does): many recipients without the email round trip.
 */
export async function appendConfirmedSubscriber(app: INestApplicationContext, address: string, preferences: Preferences): Promise<string> {
  const vault = app.get(PersonalDataVault);
  const { id } = await vault.createKey(randomUUID(), address);
  const key = (await vault.key(id))!;
  const { decide, evolve, initialState } = subscriptionDecider;
  const requested = decide(initialState, { kind: 'request', email: vault.seal(key, address), name: vault.seal(key, 'Reader'), preferences });
  const confirmed = decide(requested.reduce(evolve, initialState), { kind: 'confirm', preferences, issuedAtVersion: 1 });
  await app.get(EventStore).append(subscriptionStream(id), 0, [...requested, ...confirmed] as NewEvent[], { actor: `subscriber:${id}`, correlationId: id, causationId: id });
  return id;
}
