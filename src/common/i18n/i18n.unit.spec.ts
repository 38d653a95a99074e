import { CATALOGUES, LOCALES, type MessageId, createTranslator, pickLocale, translator } from './i18n';
import { en } from './messages/en';

/** A value for every placeholder any message uses. */
const VALUES = {
  name: 'Ada',
  title: 'ICEGOV',
  when: 'WHEN',
  lead: 'LEAD',
  reason: 'REASON',
  filters: 'FILTERS',
  leadTimes: 'LEADS',
  countries: 'COUNTRIES',
  programmes: 'PROGRAMMES',
  url: 'https://almanac.test/x',
  id: 'ENDPOINT-ID',
  position: 'POSITION',
  request: 'PATCH /x',
  size: 'SIZE',
  origin: 'ORIGIN',
  first: 'FIRST',
  last: 'LAST',
  command: 'COMMAND',
  count: 2,
  days: 7,
};
const KEYS = Object.keys(en) as MessageId[];
/** Messages that may read the same in another language. */
const SAME_EVERYWHERE = new Set<MessageId>(['prefs.separator']);

describe('server catalogues', () => {
  it.each(LOCALES.filter((l) => l !== 'en'))('%s has every English key and no other', (locale) => {
    expect(Object.keys(CATALOGUES[locale]).sort()).toEqual([...KEYS].sort());
  });

  it.each(LOCALES.filter((l) => l !== 'en'))('%s: every message formats in its own language, placeholders filled (a broken pattern would fall back to English)', (locale) => {
    const t = translator(locale).t;
    const english = translator('en').t;
    for (const id of KEYS) {
      const out = t(id, VALUES);
      expect({ id, braces: /[{}]/.test(out) }).toEqual({ id, braces: false });
      if (!SAME_EVERYWHERE.has(id)) expect({ id, same: out === english(id, VALUES) }).toEqual({ id, same: false });
      // Every value the English message shows, the translation shows too (no dropped title, link or date).
      for (const [k, v] of Object.entries(VALUES)) {
        if (typeof v === 'string' && english(id, VALUES).includes(v)) expect({ id, k, shown: out.includes(v) }).toEqual({ id, k, shown: true });
      }
    }
  });

  it('ICU plurals and parameters render', () => {
    const { t } = translator('en');
    expect(t('prefs.events', { count: 1 })).toBe('1 chosen event');
    expect(t('prefs.events', { count: 3 })).toBe('3 chosen events');
    expect(t('confirm.openLink', { days: 1 })).toBe('To confirm, open this link within 1 day:');
    expect(t('confirm.openLink', { days: 7 })).toBe('To confirm, open this link within 7 days:');
    expect(t('confirm.reminders', { count: 1, leadTimes: '1 day' })).toBe('reminder: 1 day before each event');
    expect(t('confirm.reminders', { count: 2, leadTimes: '1 day and 2 hours' })).toBe('reminders: 1 day and 2 hours before each event');
    expect(translator('ko').t('prefs.events', { count: 3 })).toBe('선택한 행사 3개');
    expect(translator('ja').t('event.subject.updated', { title: 'ICEGOV', when: 'W' })).toBe('変更のお知らせ: ICEGOV — W');
  });

  it('picks the base language; anything else is English', () => {
    expect(pickLocale('ko-KR')).toBe('ko');
    expect(translator('ko-KR').locale).toBe('ko');
    expect(pickLocale('zh-Hant-TW')).toBe('zh');
    expect(pickLocale('JA')).toBe('ja');
    expect(pickLocale('mn_MN')).toBe('mn');
    for (const odd of ['fr', 'de-DE', 'not a locale', '', null, undefined, 'kor']) expect(translator(odd).locale).toBe('en');
    expect(translator('fr').t('confirm.subject')).toBe('Confirm your almanac subscription');
  });

  it('a message a catalogue lacks, or cannot format, is English, never the key', () => {
    const partial = createTranslator('ko', { 'mail.greeting': '안녕하세요,', 'confirm.openLink': '{days, plural, other {# 일' });
    expect(partial.t('mail.greeting')).toBe('안녕하세요,');
    expect(partial.t('confirm.subject')).toBe('Confirm your almanac subscription');
    expect(partial.t('page.expired.title')).toBe('This link has expired');
    expect(partial.t('confirm.openLink', { days: 7 })).toBe('To confirm, open this link within 7 days:');
    expect(createTranslator('mn', {}).t('event.subject.reminder', { title: 'T', when: 'W' })).toBe('Reminder: T — W');
  });
});
