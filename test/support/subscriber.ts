import type { DataSource } from 'typeorm';
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
