import { createTransport } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import type { AppConfig } from '../../config/config';
import type { CalendarRow } from '../calendar/read-model/calendar-row';
import type { CalendarReadModel } from '../calendar/read-model/calendar.read-model';
import { EventEmailComposer } from '../reminders/email/event-email.renderer';
import { buildMail } from './smtp-sender';

const row: CalendarRow = {
  id: '6f1c2a4e-0b7d-4c1e-9a53-2d8f4b1e7c90',
  status: 'scheduled',
  title: 'Forum on the Memory of the World — Asia and the Pacific',
  description: 'Experts on documentary heritage meet in Seoul. '.repeat(6),
  programme: 'culture',
  city: 'Seoul',
  country: 'KR',
  venue: 'COEX',
  time_zone: 'Asia/Seoul',
  start_value: { dateTime: '2026-10-22T10:00' },
  end_value: { dateTime: '2026-10-22T12:30' },
  starts_at: new Date('2026-10-22T01:00:00Z'),
  ends_at: new Date('2026-10-22T03:30:00Z'),
  cancel_reason: null,
  version: 2,
  last_position: '10',
  change_seq: '1',
  updated_at: new Date('2026-09-01T00:00:00Z'),
};

/** A reminder as the send job hands it to the transport: rendered, with its Message-ID and RFC 8058 headers. */
function reminder(locale: string): Mail.Options {
  const composer = new EventEmailComposer({ PUBLIC_BASE_URL: 'https://almanac.test', MAIL_FROM: 'almanac@almanac.test' } as AppConfig, {} as CalendarReadModel);
  const unsubscribeUrl = `https://almanac.test/v1/subscriptions/unsubscribe?token=${'t'.repeat(180)}`;
  const m = composer.compose('reminder', row, { subscriptionId: 's', email: 'ada@example.org', name: 'Adá Lovelace', locale, unsubscribeUrl }, { leadTime: 'PT5M' });
  return {
    from: 'almanac@almanac.test',
    to: 'ada@example.org',
    subject: m.subject,
    text: m.text,
    html: m.html,
    messageId: '<reminder.abc@almanac.test>',
    headers: { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    icalEvent: m.icalEvent,
  };
}

describe('buildMail: the message as one buffer', () => {
  // The date and the boundary are the message's only free choices: fixed, the two builds must agree on every byte.
  const fixed = { date: new Date('2026-10-22T00:55:00Z'), baseBoundary: '0123456789abcdef' };

  it.each(['en', 'ko', 'fr'])('is byte for byte what nodemailer sendMail builds (%s reminder: parts, encodings, Message-ID, List-Unsubscribe, iCalendar)', async (locale) => {
    const options = reminder(locale);
    const viaSendMail = await createTransport({ streamTransport: true, buffer: true }).sendMail({ ...options, ...fixed });
    const built = await buildMail({ ...options, ...fixed });
    expect(Buffer.from(built.raw).toString('utf8')).toBe((viaSendMail.message as Buffer).toString('utf8'));
    expect(built.envelope).toEqual(viaSendMail.envelope);
    expect(built.messageId).toBe(viaSendMail.messageId);
    const raw = Buffer.from(built.raw).toString('utf8');
    expect(raw).toContain('Message-ID: <reminder.abc@almanac.test>');
    expect(raw).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(raw).toContain('Content-Type: text/calendar; charset=utf-8; method=REQUEST');
  });

  it('draws a fresh boundary for each message when none is given', async () => {
    const boundary = (b: Buffer) => /boundary="([^"]+)"/.exec(b.toString('utf8'))?.[1];
    const [a, b] = await Promise.all([buildMail(reminder('en')), buildMail(reminder('en'))]);
    expect(boundary(a.raw)).toMatch(/^--_NmP-[0-9a-f]{32}-Part_1$/);
    expect(boundary(a.raw)).not.toBe(boundary(b.raw));
  });
});
