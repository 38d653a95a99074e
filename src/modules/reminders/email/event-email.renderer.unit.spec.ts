import type { AppConfig } from '../../../config/config';
import type { CalendarRow } from '../../calendar/read-model/calendar-row';
import type { CalendarReadModel } from '../../calendar/read-model/calendar.read-model';
import type { Recipient } from '../../mail/mail.types';
import { EventEmailComposer } from './event-email.renderer';

const row = (over: Partial<CalendarRow> = {}): CalendarRow => ({
  id: '6f1c2a4e-0b7d-4c1e-9a53-2d8f4b1e7c90',
  status: 'scheduled',
  title: 'ICEGOV 2013',
  description: '',
  programme: 'communication-information',
  city: 'Seoul',
  country: 'KR',
  venue: 'COEX',
  time_zone: 'Asia/Seoul',
  start_value: { dateTime: '2013-10-22T10:00' },
  end_value: { dateTime: '2013-10-22T12:30' },
  starts_at: new Date('2013-10-22T01:00:00Z'),
  ends_at: new Date('2013-10-22T03:30:00Z'),
  cancel_reason: null,
  version: 2,
  last_position: '10',
  change_seq: '1',
  updated_at: new Date('2013-09-01T00:00:00Z'),
  ...over,
});
const config = { PUBLIC_BASE_URL: 'https://almanac.test', MAIL_FROM: 'almanac@almanac.test' } as AppConfig;
// compose() reads no event: the read model is not reached.
const composer = new EventEmailComposer(config, {} as CalendarReadModel);
const to = (locale: string, name: string | null = 'Ada'): Recipient => ({
  subscriptionId: 's',
  email: 'ada@example.org',
  name,
  locale,
  unsubscribeUrl: 'https://almanac.test/v1/subscriptions/unsubscribe?token=t',
});
/** The iCalendar part without its DTSTAMP (the instant it was made). */
const ics = (content: string | undefined) => content?.replace(/^DTSTAMP:.*\r\n/gm, '');

describe('reminder and notice emails, per language', () => {
  it('Korean reminder: Korean sentences, the date in Korean in the venue zone, subject translated', () => {
    const m = composer.compose('reminder', row(), to('ko'), { leadTime: 'P1D' });
    // (ICU's Korean day period is "AM"/"PM" in Node 20's data, "오전"/"오후" in older data.)
    expect(m.subject).toMatch(/^알림: ICEGOV 2013 — 2013년 10월 22일 화요일 (AM|오전) 10:00 .*– (PM|오후) 12:30 \(Asia\/Seoul\)$/);
    expect(m.text).toContain('Ada님, 안녕하세요.');
    expect(m.text).toContain('"ICEGOV 2013" 시작 1일 전 알림입니다.');
    expect(m.text).toMatch(/일시: {2}2013년 10월 22일 화요일 (AM|오전) 10:00/);
    expect(m.text).toContain('장소: COEX, Seoul, KR');
    expect(m.html).toContain('<html lang="ko">');
    expect(m.html).toContain('이 이메일 수신 거부');
  });

  it('English stays as it was', () => {
    const m = composer.compose('reminder', row(), to('en'), { leadTime: 'PT5M' });
    expect(m.subject).toMatch(/^Reminder: ICEGOV 2013 — Tuesday, October 22, 2013 at 10:00 AM .* – 12:30 PM \(Asia\/Seoul\)$/);
    expect(m.text).toContain('Hello Ada,\n\nA reminder, 5 minutes ahead: "ICEGOV 2013".');
    expect(m.text).toContain('When:  Tuesday, October 22, 2013');
    expect(m.html).toContain('<html lang="en">');
  });

  it('a locale we do not write: English sentences, the date in that locale (Intl knows it)', () => {
    const m = composer.compose('updated', row(), to('fr', null), {});
    expect(m.text).toContain('Hello,\n\nThere is a change to "ICEGOV 2013".');
    expect(m.text).toContain('22 octobre 2013');
  });

  it('Japanese notices; a notice about one date of a series says so', () => {
    expect(composer.compose('updated', row(), to('ja'), {}).subject).toMatch(/^変更のお知らせ: ICEGOV 2013 — 2013年10月22日火曜日 10:00/);
    const instance = composer.compose('cancelled', row({ status: 'cancelled', cancel_reason: '休館' }), to('ja-JP'), { occurrence: '2013-10-22T10:00:00' });
    expect(instance.subject).toMatch(/^中止のお知らせ: ICEGOV 2013/);
    expect(instance.text).toContain('「ICEGOV 2013」の開催日の一つが中止になりました(休館)。 特に操作は必要ありません。');
    const zh = composer.compose('cancelled', row({ status: 'cancelled' }), to('zh'), {});
    expect(zh.text).toContain('此活动已取消：“ICEGOV 2013”。');
    const mn = composer.compose('updated', row(), to('mn'), { occurrence: '2013-10-22T10:00:00' });
    expect(mn.text).toContain('"ICEGOV 2013" арга хэмжээний нэг өдөрт өөрчлөлт орлоо.');
  });

  it('the iCalendar part is the same in every language (SUMMARY is the event title)', () => {
    const english = composer.compose('updated', row(), to('en'), {}).icalEvent;
    for (const l of ['ko', 'ja', 'zh', 'mn']) {
      const other = composer.compose('updated', row(), to(l), {}).icalEvent;
      expect(other?.method).toBe(english?.method);
      expect(ics(other?.content)).toBe(ics(english?.content));
    }
    expect(english?.content).toContain('SUMMARY:ICEGOV 2013');
  });

  it('HTML escapes the title inside translated sentences', () => {
    const m = composer.compose('updated', row({ title: '<b>x</b> & y' }), to('ko'), {});
    expect(m.html).toContain('&quot;&lt;b&gt;x&lt;/b&gt; &amp; y&quot; 일정이 변경되었습니다.');
    expect(m.html).not.toContain('<b>x</b>');
  });
});
