import { DateTime } from 'luxon';
import ical, { VEvent } from 'node-ical';
import { TestApp, http, startTestApp } from '../support/app';
import { ReceivedMail, TestSmtp, startTestSmtp } from '../support/smtp';
import { waitFor } from '../support/wait';
import { subscriberSide } from './support';

const BASE = 'https://almanac.test';
const ZONE = 'Asia/Seoul';
const TITLE = 'Forum on Heritage';

/**
 * Emails in the subscriber's language, end to end: sign-ups with a `locale` through the HTTP
 * API, events through the HTTP API, a real delayed BullMQ reminder, a real SMTP listener.
 * Dates are asserted in the venue's zone as each language writes them.
 */
describe('emails in the subscriber language (e2e, real SMTP listener)', () => {
  let smtp: TestSmtp;
  let t: TestApp;
  let s: ReturnType<typeof subscriberSide>;
  let staff: string;

  beforeAll(async () => {
    smtp = await startTestSmtp();
    t = await startTestApp('locale', { SMTP_URL: smtp.url, PUBLIC_BASE_URL: BASE, MAIL_FROM: 'almanac@almanac.test', RATE_LIMIT_SUBSCRIPTIONS_PER_MINUTE: '0' }, 'all');
    s = subscriberSide(smtp, () => t.baseUrl, BASE);
    staff = await t.token('alice', 'staff');
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  const icsOf = (m: ReceivedMail): VEvent | undefined => {
    const part = m.parsed.attachments.find((a) => a.contentType.startsWith('text/calendar'));
    return part ? Object.values(ical.sync.parseICS(part.content.toString('utf8'))).find((c): c is VEvent => c?.type === 'VEVENT') : undefined;
  };
  const about = (address: string, eventId: string) => s.mailsTo(address).filter((m) => icsOf(m)?.uid === `${eventId}@almanac`);
  const mailAbout = (address: string, eventId: string, subject: RegExp) =>
    waitFor(`"${subject.source}" to ${address}`, () => about(address, eventId).find((m) => subject.test(m.parsed.subject ?? '')), 30000);
  const write = async (method: string, path: string, body: unknown) => {
    const r = await http<{ id: string; startsAt: string }>(t.baseUrl, method, path, { token: staff, body });
    expect(r.status).toBeLessThan(300);
    return r.body;
  };
  const event = (start: string, minutes: number, over: Record<string, unknown> = {}) =>
    write('POST', '/v1/events', {
      title: TITLE,
      programme: 'culture',
      location: { city: 'Seoul', country: 'KR', venue: 'COEX' },
      start: { dateTime: start },
      end: { dateTime: DateTime.fromISO(start).plus({ minutes }).toFormat("yyyy-LL-dd'T'HH:mm:ss") },
      ...over,
    });
  /** The weekday's name as Intl writes it in that language, for the day in Seoul. */
  const weekday = (at: DateTime, locale: string) => new Intl.DateTimeFormat(locale, { weekday: 'long', timeZone: ZONE }).format(at.toJSDate());
  /** 12-hour clock with the day period: "오후 3:05", or "PM 3:05" with newer ICU data. */
  const koTime = (at: DateTime) => new RegExp(`(${at.hour < 12 ? 'AM|오전' : 'PM|오후'}) ${at.toFormat('h:mm')}`);

  async function subscribeAndConfirm(email: string, locale: string | undefined, leadTimes: string[]): Promise<ReceivedMail> {
    const r = await http(t.baseUrl, 'POST', '/v1/subscriptions', { body: { email, countries: ['KR'], programmes: ['culture'], leadTimes, ...(locale ? { locale } : {}) } });
    expect(r.status).toBe(202);
    const mail = await s.mailTo(email);
    expect((await http(t.baseUrl, 'POST', s.confirmLink(mail.parsed))).status).toBe(200);
    return mail;
  }

  let koConfirmation: ReceivedMail;

  beforeAll(async () => {
    [koConfirmation] = await Promise.all([
      subscribeAndConfirm('minji@example.org', 'ko', ['PT5M']),
      subscribeAndConfirm('haruto@example.org', 'ja', ['PT5M']),
      subscribeAndConfirm('ada@example.org', undefined, ['PT5M']),
    ]);
    await waitFor('three confirmed subscriptions planned', async () => {
      const [row] = await t.db.dataSource.query('SELECT count(*)::int AS n FROM reminder_subscriptions WHERE confirmed');
      return row.n === 3;
    });
  });

  it('a subscriber with locale ko gets a Korean confirmation email', () => {
    const m = koConfirmation.parsed;
    expect(m.subject).toBe('almanac 구독을 확인해 주세요');
    expect(m.text).toContain('안녕하세요,');
    expect(m.text).toContain('이 주소로 almanac의 행사 알림을 받겠다고 신청했습니다');
    expect(m.text).toContain('행사: 국가: 대한민국; 분야: 문화');
    expect(m.text).toContain('알림: 각 행사 5분 전');
    expect(m.text).toContain('확인하려면 7일 이내에 이 링크를 여세요:');
    expect(m.html).toContain('<html lang="ko">');
    expect(m.html).toMatch(/<a href="https:\/\/almanac\.test\/v1\/subscriptions\/confirm\?token(=|&#x3D;)[^"]+">구독 확인<\/a>/);
    // The English sign-up got English.
    expect(s.mailsTo('ada@example.org')[0].parsed.subject).toBe('Confirm your almanac subscription');
  });

  it('a Korean reminder (a real delayed job): Korean sentences and the date in Korean, in the venue zone; the English subscriber gets the same reminder in English', async () => {
    const start = DateTime.now().setZone(ZONE).plus({ minutes: 5, seconds: 10 }).startOf('second');
    const e = await event(start.toFormat("yyyy-LL-dd'T'HH:mm:ss"), 60);
    const at = DateTime.fromISO(e.startsAt).setZone(ZONE);

    const ko = (await mailAbout('minji@example.org', e.id, /^알림: /)).parsed;
    const koDate = `${at.year}년 ${at.month}월 ${at.day}일 ${weekday(at, 'ko')}`;
    expect(ko.subject).toContain(`알림: ${TITLE} — ${koDate}`);
    expect(ko.subject).toMatch(koTime(at));
    expect(ko.subject).toContain(`(${ZONE})`);
    expect(ko.text).toContain(`"${TITLE}" 시작 5분 전 알림입니다.`);
    expect(ko.text).toContain(`일시:  ${koDate}`);
    expect(ko.text).toMatch(koTime(at));
    expect(ko.text).toContain('장소: COEX, Seoul, KR');
    expect(ko.text).toContain('수신 거부: https://almanac.test/v1/subscriptions/unsubscribe?token=');
    expect(ko.html).toContain('<html lang="ko">');

    const en = (await mailAbout('ada@example.org', e.id, /^Reminder: /)).parsed;
    expect(en.subject).toContain(`Reminder: ${TITLE} — ${at.setLocale('en').toFormat('cccc, LLLL d, yyyy')}`);
    expect(en.text).toContain(`A reminder, 5 minutes ahead: "${TITLE}".`);

    // The calendar part is the same whatever the language: the event's own title.
    const [koIcs, enIcs] = [icsOf(await mailAbout('minji@example.org', e.id, /^알림: /))!, icsOf(await mailAbout('ada@example.org', e.id, /^Reminder: /))!];
    expect(koIcs.summary).toBe(TITLE);
    expect(new Date(koIcs.start).toISOString()).toBe(new Date(e.startsAt).toISOString());
    expect([koIcs.uid, koIcs.sequence, koIcs.summary, koIcs.description]).toEqual([enIcs.uid, enIcs.sequence, enIcs.summary, enIcs.description]);
  });

  it('a Japanese notice for a rescheduled event, with its new date in Japanese in the venue zone', async () => {
    const first = DateTime.now().setZone(ZONE).plus({ days: 3 }).set({ hour: 10, minute: 0, second: 0, millisecond: 0 });
    const e = await event(first.toFormat("yyyy-LL-dd'T'HH:mm:ss"), 90);
    const moved = first.plus({ days: 2, hours: 4, minutes: 30 });
    const r = await write('POST', `/v1/events/${e.id}/reschedule`, {
      start: { dateTime: moved.toFormat("yyyy-LL-dd'T'HH:mm:ss") },
      end: { dateTime: moved.plus({ minutes: 90 }).toFormat("yyyy-LL-dd'T'HH:mm:ss") },
      reason: 'room',
    });
    const at = DateTime.fromISO(r.startsAt).setZone(ZONE);
    expect(at.toFormat('HH:mm')).toBe('14:30');

    const ja = (await mailAbout('haruto@example.org', e.id, /^変更のお知らせ: /)).parsed;
    const jaDate = `${at.year}年${at.month}月${at.day}日${weekday(at, 'ja')} 14:30`;
    expect(ja.subject).toContain(`変更のお知らせ: ${TITLE} — ${jaDate}`);
    expect(ja.text).toContain('こんにちは。');
    expect(ja.text).toContain(`「${TITLE}」に変更がありました。`);
    expect(ja.text).toContain(`日時:  ${jaDate}`);
    expect(ja.text).toContain(`(${ZONE})`);
    expect(ja.text).toContain('カレンダーの予定を添付しました。');
    expect(ja.html).toContain('<html lang="ja">');
    const i = icsOf(await mailAbout('haruto@example.org', e.id, /^変更のお知らせ: /))!;
    expect(i.summary).toBe(TITLE);
    expect(new Date(i.start).toISOString()).toBe(new Date(r.startsAt).toISOString());
    // The Korean subscriber got the same notice in Korean.
    expect((await mailAbout('minji@example.org', e.id, /^변경: /)).parsed.text).toContain(`"${TITLE}" 일정이 변경되었습니다.`);
  });

  it('a Japanese notice for one cancelled date of a series says it is one date, with that date', async () => {
    const first = DateTime.now().setZone(ZONE).plus({ days: 4 }).set({ hour: 10, minute: 0, second: 0, millisecond: 0 });
    const e = await event(first.toFormat("yyyy-LL-dd'T'HH:mm:ss"), 60, { recurrence: ['RRULE:FREQ=DAILY;COUNT=3'] });
    const second = first.plus({ days: 1 });
    await write('POST', `/v1/events/${e.id}_${second.toUTC().toFormat("yyyyLLdd'T'HHmmss'Z'")}/cancel`, { reason: '休館日' });

    const ja = (await mailAbout('haruto@example.org', e.id, /^中止のお知らせ: /)).parsed;
    expect(ja.subject).toContain(`中止のお知らせ: ${TITLE} — ${second.year}年${second.month}月${second.day}日${weekday(second, 'ja')} 10:00`);
    expect(ja.text).toContain(`「${TITLE}」の開催日の一つが中止になりました(休館日)。`);
    expect(ja.text).toContain('特に操作は必要ありません。');
  });
});
