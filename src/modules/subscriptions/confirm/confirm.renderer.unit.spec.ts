import type { Recipient } from '../../mail/mail.types';
import type { Preferences } from '../domain/subscription';
import { confirmPage, outcomePage } from '../http/link-pages';
import { ConfirmEmailRenderer } from './confirm.renderer';
import { describePreferences } from './describe-preferences';

const prefs = (over: Partial<Preferences> = {}): Preferences => ({ countries: ['KR', 'CN'], programmes: ['culture'], eventIds: [], leadTimes: ['P1D', 'PT2H'], locale: 'en', ...over });
const to = (locale: string): Recipient => ({ subscriptionId: 's', email: 'kim@example.org', name: '김', locale, unsubscribeUrl: 'https://almanac.test/u' });
const renderer = new ConfirmEmailRenderer();

describe('confirmation email and link pages, per language', () => {
  it('Korean: subject, sentences, countries and programmes named in Korean, lead times in words', async () => {
    const m = await renderer.render({ confirmUrl: 'https://almanac.test/c', preferences: prefs({ locale: 'ko-KR' }) }, to('ko-KR'));
    expect(m.subject).toBe('almanac 구독을 확인해 주세요');
    expect(m.text).toContain('김님, 안녕하세요.');
    expect(m.text).toContain('행사: 국가: 대한민국 및 중국; 분야: 문화');
    expect(m.text).toContain('알림: 각 행사 1일 및 2시간 전');
    expect(m.text).toContain('확인하려면 7일 이내에 이 링크를 여세요:\nhttps://almanac.test/c');
    expect(m.text).toContain('모든 이메일 수신 중단: https://almanac.test/u');
    expect(m.html).toContain('<html lang="ko">');
    expect(m.html).toContain('<a href="https://almanac.test/c">구독 확인</a>');
  });

  it("the sign-up's own locale wins over the stored one (a new sign-up may ask for another language)", async () => {
    const m = await renderer.render({ confirmUrl: 'https://almanac.test/c', preferences: prefs({ locale: 'mn' }) }, to('en'));
    expect(m.subject).toBe('almanac-ийн бүртгэлээ баталгаажуулна уу');
  });

  it('English, with ICU plurals', async () => {
    const m = await renderer.render({ confirmUrl: 'https://almanac.test/c', preferences: prefs({ leadTimes: ['P1D'] }) }, to('en'));
    expect(m.subject).toBe('Confirm your almanac subscription');
    expect(m.text).toContain('events: in South Korea and China; programmes Culture');
    expect(m.text).toContain('reminder: 1 day before each event');
    expect(m.text).toContain('within 7 days:');
    expect(describePreferences(prefs({ countries: [], programmes: [], eventIds: ['a'] }), 'en')).toBe('1 chosen event');
    expect(describePreferences(prefs({ countries: [], programmes: [], eventIds: ['a', 'b'] }), 'en')).toBe('2 chosen events');
    expect(describePreferences(prefs({ countries: [], programmes: [] }), 'ja')).toBe('すべてのイベント');
  });

  it('link pages carry their language and translated text', () => {
    const page = confirmPage('tok', prefs(), 'ko');
    expect(page).toContain('<html lang="ko">');
    expect(page).toContain('<h1>구독 확인</h1>');
    expect(page).toContain('<li>행사: 국가: 대한민국 및 중국; 분야: 문화</li>');
    expect(page).toContain('<button type="submit">구독 확인</button>');
    expect(outcomePage('page.expired.title', 'page.expired.message', 'mn')).toContain('(холбоос 7 хоног хүчинтэй)');
    expect(outcomePage('page.confirmed.title', 'page.confirmed.message', 'en')).toContain('<h1>Subscription confirmed</h1>');
  });
});
