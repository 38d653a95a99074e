import { createHash } from 'node:crypto';
import countries from 'i18n-iso-countries';
import en from 'i18n-iso-countries/langs/en.json';
import worldCountries from 'world-countries';
import { DateTime } from 'luxon';

/**
 * Reads the office's public listing ("When Where" table). Two row shapes:
 *   28 October 2013 Ulaanbaatar, Mongolia Celebration of …            (one line)
 *   22 October 2013 to 25 October 2013                                  (dates alone,
 *   Seoul, Republic of Korea 7th International Conference on …          then place + title)
 * Pure: no I/O.
 */
export interface ListingRow {
  /** 1-based line of the row's first line. */
  line: number;
  title: string;
  city: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
  countryName: string;
  start: { date: string };
  /** Inclusive last day. */
  end: { date: string };
}

export interface ListingFailure {
  line: number;
  text: string;
  reason: string;
}

countries.registerLocale(en);

const normalize = (s: string): string => s.replace(/[\u2018\u2019\u02bc]/g, "'").replace(/\s+/g, ' ').trim();

/**
 * Every English name of every country from two maintained data sets: i18n-iso-countries
 * (official and common English names) and world-countries (official names and alternative
 * spellings, which include "Democratic People's Republic of Korea"). Longest first, so the
 * longest name that matches wins and DPRK is never read as "Republic of Korea".
 */
const COUNTRY_NAMES: { name: string; lower: string; code: string }[] = (() => {
  const seen = new Map<string, string>();
  const add = (name: string, code: string) => {
    const n = normalize(name);
    if (n.length < 3 || !/[a-z]/i.test(n) || /[^\x20-\x7e]/.test(n)) return; // English only
    if (!seen.has(n.toLowerCase())) seen.set(n.toLowerCase(), code);
  };
  for (const [code, names] of Object.entries(countries.getNames('en', { select: 'all' }))) for (const n of names) add(n, code);
  for (const c of worldCountries) {
    add(c.name.common, c.cca2);
    add(c.name.official, c.cca2);
    for (const alt of c.altSpellings) add(alt, c.cca2);
  }
  return [...seen.entries()].map(([lower, code]) => ({ name: lower, lower, code })).sort((a, b) => b.lower.length - a.lower.length);
})();

/** The country named at the start of `text`, longest name first, on a word boundary. */
export function resolveCountry(text: string): { code: string; name: string; rest: string } | undefined {
  const t = normalize(text);
  const lower = t.toLowerCase();
  for (const c of COUNTRY_NAMES) {
    if (!lower.startsWith(c.lower)) continue;
    const next = t.charAt(c.lower.length);
    if (next !== '' && !/[\s,.;:)\-–—]/.test(next)) continue;
    return { code: c.code, name: t.slice(0, c.lower.length), rest: t.slice(c.lower.length).replace(/^[\s,.;:\-–—]+/, '').trim() };
  }
  return undefined;
}

const DAY = '(\\d{1,2} [A-Za-z]+ \\d{4})';
const RANGE_LINE = new RegExp(`^${DAY} to ${DAY}$`);
const SINGLE_LINE = new RegExp(`^${DAY} (.+)$`);

function parseDay(s: string): string | undefined {
  const d = DateTime.fromFormat(s, 'd LLLL yyyy', { locale: 'en' });
  return d.isValid ? d.toISODate()! : undefined;
}

/** `City, Country Title` → its parts, or why it cannot be read. */
function parsePlace(text: string): { city: string; country: string; countryName: string; title: string } | { reason: string } {
  const comma = text.indexOf(',');
  if (comma < 1) return { reason: `expected "City, Country Title" in '${text}'` };
  const city = text.slice(0, comma).trim();
  const c = resolveCountry(text.slice(comma + 1));
  if (!c) return { reason: `unknown country in '${text}'` };
  if (!c.rest) return { reason: `no title after the country in '${text}'` };
  return { city, country: c.code, countryName: c.name, title: c.rest };
}

export function parseListing(text: string): { rows: ListingRow[]; failures: ListingFailure[] } {
  const all = text.split(/\r?\n/).map((raw, i) => ({ line: i + 1, text: normalize(raw) }));
  const header = all.findIndex((l) => /^when\s+where$/i.test(l.text));
  const lines = all.slice(header + 1).filter((l) => l.text !== '');
  const rows: ListingRow[] = [];
  const failures: ListingFailure[] = [];

  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    let start: string | undefined;
    let end: string | undefined;
    let placeText: string;
    const range = RANGE_LINE.exec(l.text);
    if (range) {
      start = parseDay(range[1]);
      end = parseDay(range[2]);
      const next = lines[i + 1];
      if (!next || RANGE_LINE.test(next.text) || (SINGLE_LINE.test(next.text) && parseDay(SINGLE_LINE.exec(next.text)![1]))) {
        failures.push({ line: l.line, text: l.text, reason: "date range without a 'City, Country Title' line" });
        continue;
      }
      placeText = next.text;
      i++;
      if (!start || !end) {
        failures.push({ line: l.line, text: l.text, reason: `invalid date '${!start ? range[1] : range[2]}'` });
        continue;
      }
    } else {
      const single = SINGLE_LINE.exec(l.text);
      if (!single) {
        failures.push({ line: l.line, text: l.text, reason: 'expected a date ("28 October 2013 …" or "22 October 2013 to 25 October 2013")' });
        continue;
      }
      start = end = parseDay(single[1]);
      if (!start) {
        failures.push({ line: l.line, text: l.text, reason: `invalid date '${single[1]}'` });
        continue;
      }
      placeText = single[2];
    }
    if (end! < start) {
      failures.push({ line: l.line, text: l.text, reason: 'end date before start date' });
      continue;
    }
    const place = parsePlace(placeText);
    if ('reason' in place) {
      failures.push({ line: l.line, text: placeText, reason: place.reason });
      continue;
    }
    rows.push({ line: l.line, ...place, start: { date: start }, end: { date: end! } });
  }
  return { rows, failures };
}

/** Fixed namespace of listing rows (UUID v5, RFC 4122 §4.3). */
const LISTING_NAMESPACE = 'a3c1e1f0-5b7e-4c8e-9d43-2f1b8a6e7c10';

/** The same row always gets the same id, so importing a listing twice creates nothing. */
export function listingRowId(row: Pick<ListingRow, 'start' | 'end' | 'country' | 'city' | 'title'>): string {
  const key = `${row.start.date}|${row.end.date}|${row.country}|${row.city.toLowerCase()}|${normalize(row.title).toLowerCase()}`;
  const ns = Buffer.from(LISTING_NAMESPACE.replace(/-/g, ''), 'hex');
  const h = createHash('sha1').update(ns).update(key, 'utf8').digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
