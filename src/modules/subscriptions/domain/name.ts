/** Longest name kept; the rest is cut (at a character, never inside a surrogate pair). */
export const NAME_MAX = 100;

/**
 * A word a mail client would turn into a link: a scheme (`https://`, `mailto:`), an address,
 * `www.`, or a dotted host name (`evil.example`). Initials (`J.`) and abbreviations (`Dr.`)
 * are not: they have no letter right after the dot.
 */
const LINKISH = /^(?:[a-z][a-z0-9+.-]*:|www\.)|@|[\p{L}\p{N}-]\.[\p{L}\p{N}]/iu;

/**
 * A sign-up's `name`, made safe to greet someone with: Unicode NFKC; control, format
 * (zero-width, bidi overrides) and line/paragraph separators removed; whitespace runs become
 * one space; words that would render as links dropped; at most NAME_MAX characters. Empty: null.
 * A name so normalised is one line of plain words: it cannot add headers, lines or links to an email.
 */
export function normaliseName(raw: string | null | undefined): string | null {
  if (typeof raw !== 'string') return null;
  const words = raw
    .normalize('NFKC')
    .replace(/[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/gu, ' ')
    .split(/\s+/u)
    .filter((w) => w && !LINKISH.test(w));
  const name = Array.from(words.join(' ')).slice(0, NAME_MAX).join('').trim();
  return name || null;
}
