import { h } from './dom';
import { LANGUAGE_NAMES, LOCALES, type I18n } from './i18n';

/** The language picker: reloads with `?lang=` so the choice survives links and reloads. */
export function languagePicker(i18n: I18n): HTMLElement {
  const s = h('select', { id: 'lang', 'aria-label': i18n.t('nav.language') });
  for (const l of LOCALES) s.append(h('option', { value: l, selected: l === i18n.locale, lang: l }, LANGUAGE_NAMES[l]));
  s.addEventListener('change', () => {
    const u = new URL(location.href);
    u.searchParams.set('lang', s.value);
    location.assign(u.toString());
  });
  return h('label', { class: 'lang' }, i18n.t('nav.language'), ' ', s);
}
