import { createI18n } from '../../web/src/shared/i18n';
import { en, type MessageId } from '../../web/src/messages/en';
import { mn } from '../../web/src/messages/mn';

// A Korean catalogue with one message: every other key must come out in English.
jest.mock('../../web/src/messages/ko', () => ({ ko: { 'filters.country': '국가' } }));

const placeholders = (s: string): string[] => [...new Set([...s.matchAll(/\{(\w+)\s*[,}]/g)].map((m) => m[1]))].sort();

describe('web console catalogues', () => {
  it('the Mongolian catalogue has every English key, in Mongolian (Cyrillic), with the same placeholders', () => {
    const keys = Object.keys(en) as MessageId[];
    expect(Object.keys(mn).sort()).toEqual([...keys].sort());
    for (const id of keys) {
      const text = mn[id]!;
      expect({ id, english: text === en[id] }).toEqual({ id, english: false });
      expect({ id, cyrillic: /[А-Яа-яӨөҮүЁё]/.test(text) }).toEqual({ id, cyrillic: true });
      expect({ id, placeholders: placeholders(text) }).toEqual({ id, placeholders: placeholders(en[id]) });
    }
  });

  it('Mongolian plurals render', () => {
    const { t } = createI18n('mn');
    expect(t('events.count', { count: 0 })).toBe('Харагдах арга хэмжээ алга');
    expect(t('events.count', { count: 3 })).toBe('3 арга хэмжээ харагдаж байна');
  });

  it('a message a catalogue lacks is shown in English, never as its key', () => {
    const { t } = createI18n('ko');
    expect(t('filters.country')).toBe('국가');
    expect(t('console.devSignIn')).toBe('Development sign-in: pick a role');
    expect(t('events.count', { count: 2 })).toBe('2 events in view');
  });
});
