import { createHash } from 'node:crypto';
import countries from 'i18n-iso-countries';
import en from 'i18n-iso-countries/langs/en.json';
import worldCountries from 'world-countries';
import { DateTime } from 'luxon';
import { boundedMemo } from '../../../common/memo';

/**
 * Reads the office's public listing (its "When Where" table). Two row shapes:
 *
 *   28 October 2013 Ulaanbaatar, Mongolia Celebration of …      (one line)
 *
 *   22 October 2013 to 25 October 2013                           (dates alone on a line,
 *   Seoul, Republic of Korea 7th International Conference on …   then place and title)
 *
 * Everything before the "When Where" header line is prose and is ignored; without that
 * header the whole text is rows. Pure: no I/O.
 */
export interface ListingRow {
  /** 1-based line number of the row's first line in the input. */
  line: number;
  title: string;
  city: string;
  /** ISO 3166-1 alpha-2, e.g. 'MN'. */
  country: string;
  /** The country as written in the listing. */
  countryName: string;
  /** YYYY-MM-DD */
  start: { date: string };
  /** YYYY-MM-DD, inclusive last day. */
  end: { date: string };
}

export interface ListingFailure {
  /** 1-based line number of the row's first line. */
  line: number;
  text: string;
  reason: string;
}

countries.registerLocale(en);

/* ------------------------------------------------------------------------------------------
 * Countries
 * ---------------------------------------------------------------------------------------- */

const APOSTROPHES = /[\u2018\u2019\u02bc\u0060\u00b4]/g;
const normaliseApostrophes = (s: string): string => s.replace(APOSTROPHES, "'");

interface CountryName {
  /** Lower-case, apostrophes normalised, single spaces: identifies the name. */
  key: string;
  /** Every code this name stands for (more than one: ambiguous, e.g. "Congo"). */
  codes: Set<string>;
  /** Matches the name at the start of a text, on a word boundary. */
  pattern: RegExp;
}

function namePattern(name: string): RegExp {
  const body = name
    .split(/\s+/)
    .map((word) =>
      word
        .split("'")
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join("['\u2018\u2019\u02bc\u0060\u00b4]"),
    )
    .join('\\s+');
  // The name must be followed by whitespace, punctuation, or the end of the text.
  return new RegExp(`^${body}(?=$|[\\s\\p{P}])`, 'iu');
}

/** Latin-script names only: world-countries also lists native spellings (e.g. 조선…). */
const isLatinName = (name: string): boolean => name.length >= 3 && /^[\p{Script=Latin}\s'.,()&-]+$/u.test(name);

/**
 * English names of every country, with no hand-written table:
 *  - i18n-iso-countries: official English names and the alternative names it lists
 *    (e.g. KR: "South Korea", "Korea, Republic of", "Republic of Korea");
 *  - world-countries (already a dependency): official names and alternative spellings, for
 *    names i18n-iso-countries 7.14 lacks — notably "Democratic People's Republic of Korea"
 *    (it only has "North Korea" for KP).
 * Sorted longest first, so the longest name that matches wins ("Democratic People's Republic
 * of Korea" is never read as "Republic of Korea"...; "Guinea-Bissau" never as "Guinea").
 */
let countryNames: CountryName[] | undefined;
/** The same names, by their lower-cased first character: a text can only start with a name that starts like it. */
let byInitial: Map<string, CountryName[]> | undefined;
function namesStartingLike(text: string): CountryName[] {
  if (!byInitial) {
    byInitial = new Map();
    for (const n of allCountryNames()) {
      const k = n.key[0];
      (byInitial.get(k) ?? byInitial.set(k, []).get(k)!).push(n);
    }
  }
  return byInitial.get(text.charAt(0).toLowerCase()) ?? [];
}
function allCountryNames(): CountryName[] {
  if (countryNames) return countryNames;
  const byKey = new Map<string, CountryName>();
  const add = (raw: string, code: string): void => {
    const name = normaliseApostrophes(raw).replace(/\s+/g, ' ').trim();
    if (!name || !countries.isValid(code)) return;
    const key = name.toLowerCase();
    const known = byKey.get(key);
    if (known) known.codes.add(code);
    else byKey.set(key, { key, codes: new Set([code]), pattern: namePattern(name) });
  };
  for (const [code, names] of Object.entries(countries.getNames('en', { select: 'all' }))) {
    for (const name of names) add(name, code);
  }
  const fromLibrary = new Set(byKey.keys());
  for (const c of worldCountries) {
    for (const name of [c.name.common, c.name.official, ...c.altSpellings]) {
      const key = normaliseApostrophes(name).replace(/\s+/g, ' ').trim().toLowerCase();
      // i18n-iso-countries decides every name it knows; world-countries only fills gaps.
      if (isLatinName(name) && !fromLibrary.has(key)) add(name, c.cca2);
    }
  }
  countryNames = [...byKey.values()].sort((a, b) => b.key.length - a.key.length);
  return countryNames;
}

type CountryMatch = { code: string; name: string; rest: string } | { ambiguous: string[]; name: string } | undefined;

function matchCountry(textAfterComma: string): CountryMatch {
  const text = textAfterComma.trimStart();
  let best: { entry: CountryName; matched: string } | undefined;
  // Sorted longest first, and names are unique once normalised: the first match is the longest.
  for (const entry of namesStartingLike(text)) {
    const m = entry.pattern.exec(text);
    if (m) {
      best = { entry, matched: m[0] };
      break;
    }
  }
  if (!best) return undefined;
  const codes = [...best.entry.codes].sort();
  if (codes.length > 1) return { ambiguous: codes, name: best.matched };
  return { code: codes[0], name: best.matched, rest: text.slice(best.matched.length).trim() };
}

/**
 * The country named at the start of `textAfterComma` (case-insensitive, apostrophes
 * normalised, on a word boundary), the longest matching name winning:
 * "Republic of Korea 7th …" → KR, "Democratic People's Republic of Korea …" → KP.
 * `name` is the country as written; `rest` is the trimmed text after it.
 * Undefined when no name matches, or when the name is ambiguous ("Congo": CG or CD).
 */
export function resolveCountry(textAfterComma: string): { code: string; name: string; rest: string } | undefined {
  const m = matchCountry(textAfterComma);
  return m && 'code' in m ? m : undefined;
}

/* ------------------------------------------------------------------------------------------
 * Rows
 * ---------------------------------------------------------------------------------------- */

const DATE = String.raw`\d{1,2}\s+\p{L}+\.?\s+\d{4}(?!\d)`;
/** A row starts with a day, optionally "to" a last day, then (maybe) the place and title. */
const ROW_START = new RegExp(`^(${DATE})(?:\\s*(?:\\bto\\b|[-\u2013\u2014])\\s*(${DATE}))?(?=\\s|$)\\s*(.*)$`, 'iu');
const HEADER = /^when\s+where(?:\s+what)?$/i;

/** Days read, kept: luxon's format parsing costs far more than the rest of a row, and listings repeat their days. */
const days = boundedMemo<string | undefined>(5000);

function parseDay(text: string): string | undefined {
  const normalised = text.replace(/\s+/g, ' ');
  return days(normalised, () => {
    const d = DateTime.fromFormat(normalised, 'd LLLL yyyy', { locale: 'en' });
    return d.isValid ? (d.toISODate() ?? undefined) : undefined;
  });
}

const quote = (text: string, max = 60): string => `'${text.length > max ? `${text.slice(0, max - 1).trimEnd()} …` : text}'`;

/** `City, Country Title` → its parts, or why it cannot be read. */
function parsePlace(text: string): Pick<ListingRow, 'city' | 'country' | 'countryName' | 'title'> | { reason: string } {
  const comma = text.indexOf(',');
  const city = comma < 0 ? '' : text.slice(0, comma).trim();
  if (!city) return { reason: `expected 'City, Country Title' in ${quote(text)}` };
  const after = text.slice(comma + 1);
  const country = matchCountry(after);
  if (!country) return { reason: `unknown country in ${quote(text)}` };
  if ('ambiguous' in country) return { reason: `ambiguous country '${country.name}' (${country.ambiguous.join(' or ')}) in ${quote(text)}` };
  if (!country.rest) return { reason: `no title after the country in ${quote(text)}` };
  return { city, country: country.code, countryName: country.name, title: country.rest };
}

type Parsed = { row: ListingRow } | { failure: ListingFailure };

/** The listing's rows and failures one at a time, in order (see parseListing). */
function* parseRows(text: string): Generator<Parsed> {
  const all = text
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\r|\n/)
    .map((raw, i) => ({ line: i + 1, text: raw.trim() }));
  const header = all.findIndex((l) => HEADER.test(l.text.replace(/\s+/g, ' ')));
  const lines = all.slice(header + 1).filter((l) => l.text !== '' && !HEADER.test(l.text.replace(/\s+/g, ' ')));

  for (let i = 0; i < lines.length; i++) {
    const first = lines[i];
    const fail = (reason: string, text = first.text): Parsed => ({ failure: { line: first.line, text, reason } });
    const m = ROW_START.exec(first.text);
    if (!m) {
      yield fail(`expected a row starting with a date ('28 October 2013 …' or '22 October 2013 to 25 October 2013'), got ${quote(first.text)}`);
      continue;
    }
    const [, startText, endText = startText, sameLine] = m;

    let place = sameLine.trim();
    let rowText = first.text;
    if (!place) {
      // The place and title stand on the next line, unless that line starts another row.
      const next = lines[i + 1];
      if (!next || ROW_START.test(next.text)) {
        yield fail(m[2] ? "date range without a 'City, Country Title' line" : "date without a 'City, Country Title' line");
        continue;
      }
      place = next.text;
      rowText = `${first.text} ${next.text}`;
      i++;
    }

    const start = parseDay(startText);
    const end = parseDay(endText);
    if (!start || !end) {
      yield fail(`invalid date '${(!start ? startText : endText).replace(/\s+/g, ' ')}'`, rowText);
      continue;
    }
    if (end < start) {
      yield fail(`end date before start date ('${endText}' is before '${startText}')`, rowText);
      continue;
    }
    const parts = parsePlace(place);
    if ('reason' in parts) {
      yield fail(parts.reason, rowText);
      continue;
    }
    yield { row: { line: first.line, ...parts, start: { date: start }, end: { date: end } } };
  }
}

/**
 * Parses the listing. Every row that cannot be read is reported with its line number and
 * the reason; the other rows still parse. Blank lines are ignored.
 */
export function parseListing(text: string): { rows: ListingRow[]; failures: ListingFailure[] } {
  const rows: ListingRow[] = [];
  const failures: ListingFailure[] = [];
  for (const p of parseRows(text)) {
    if ('row' in p) rows.push(p.row);
    else failures.push(p.failure);
  }
  return { rows, failures };
}

/**
 * The same as parseListing, handing the event loop back every `sliceMs` of work, so a long
 * listing (a megabyte is ~20,000 lines) never holds up other requests for long.
 */
export async function parseListingInSlices(text: string, sliceMs = 20): Promise<{ rows: ListingRow[]; failures: ListingFailure[] }> {
  const rows: ListingRow[] = [];
  const failures: ListingFailure[] = [];
  let until = performance.now() + sliceMs;
  for (const p of parseRows(text)) {
    if ('row' in p) rows.push(p.row);
    else failures.push(p.failure);
    if (performance.now() >= until) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      until = performance.now() + sliceMs;
    }
  }
  return { rows, failures };
}

/* ------------------------------------------------------------------------------------------
 * Ids
 * ---------------------------------------------------------------------------------------- */

/** Fixed namespace of listing rows (UUID v5). Never change it: ids of imported rows derive from it. */
export const LISTING_ROW_NAMESPACE = 'a3c1e1f0-5b7e-4c8e-9d43-2f1b8a6e7c10';

/** UUID version 5 (SHA-1, name-based), RFC 4122 section 4.3. */
export function uuidV5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new Error(`invalid namespace UUID '${namespace}'`);
  const h = createHash('sha1').update(ns).update(name, 'utf8').digest();
  h[6] = (h[6] & 0x0f) | 0x50; // version 5
  h[8] = (h[8] & 0x3f) | 0x80; // variant RFC 4122
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/**
 * A deterministic id for a row: the same row always gets the same id, so importing the
 * listing again creates nothing. Key: start|end|country|city (lower-case)|title (lower-case,
 * apostrophes normalised, whitespace collapsed).
 */
export function listingRowId(row: Pick<ListingRow, 'start' | 'end' | 'country' | 'city' | 'title'>): string {
  const title = normaliseApostrophes(row.title).replace(/\s+/g, ' ').trim().toLowerCase();
  const key = `${row.start.date}|${row.end.date}|${row.country}|${row.city.trim().toLowerCase()}|${title}`;
  return uuidV5(key, LISTING_ROW_NAMESPACE);
}
