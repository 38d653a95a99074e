import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { LISTING_ROW_NAMESPACE, ListingRow, listingRowId, parseListing, resolveCountry, uuidV5 } from './listing-parser';

// The office's public listing is kept in the repository, so a fresh clone needs nothing beside it.
const LISTING_PATH = path.resolve(__dirname, '../../../../data/unesco-beijing-listing.txt');

describe('listing parser', () => {
  describe('given the office listing in data/', () => {
    const text = readFileSync(LISTING_PATH, 'utf8');

    describe('when it is parsed', () => {
      const { rows, failures } = parseListing(text);

      it('then it yields exactly the 5 rows of the table, ignoring the prose before "When Where", and no failure', () => {
        expect(failures).toEqual([]);
        expect(rows).toHaveLength(5);
      });

      it('then the single-day row has the same start and end day', () => {
        expect(rows[0]).toEqual<ListingRow>({
          line: 23,
          title: 'Celebration of World Day for Audiovisual Heritage in Mongolia',
          city: 'Ulaanbaatar',
          country: 'MN',
          countryName: 'Mongolia',
          start: { date: '2013-10-28' },
          end: { date: '2013-10-28' },
        });
      });

      it('then a range row takes its place and title from the next line (ICEGOV: Seoul, KR, 22–25 October 2013)', () => {
        expect(rows[1]).toEqual<ListingRow>({
          line: 24,
          title: '7th International Conference on Theory and Practice or Electronic Governance (ICEGOV2013)',
          city: 'Seoul',
          country: 'KR',
          countryName: 'Republic of Korea',
          start: { date: '2013-10-22' },
          end: { date: '2013-10-25' },
        });
      });

      it('then every row has the right line, dates, city, country and title', () => {
        expect(rows.map((r) => [r.line, r.start.date, r.end.date, r.city, r.country, r.title])).toEqual([
          [23, '2013-10-28', '2013-10-28', 'Ulaanbaatar', 'MN', 'Celebration of World Day for Audiovisual Heritage in Mongolia'],
          [24, '2013-10-22', '2013-10-25', 'Seoul', 'KR', '7th International Conference on Theory and Practice or Electronic Governance (ICEGOV2013)'],
          [26, '2013-10-21', '2013-10-23', 'Beijing', 'CN', 'International Conference on Learning Cities'],
          [28, '2013-10-18', '2013-10-19', 'Jecheon City', 'KR', 'CONFINTEA VI Regional Follow-up Meeting in Asia and the Pacific'],
          [30, '2013-10-15', '2013-10-16', 'Beijing', 'CN', '9th China Information Accessibility Forum'],
        ]);
      });
    });
  });

  describe('resolveCountry', () => {
    it('given a name that is the tail of a longer one, when resolved, then the longest name wins (KP, not KR)', () => {
      expect(resolveCountry("Democratic People's Republic of Korea Some Title")).toEqual({ code: 'KP', name: "Democratic People's Republic of Korea", rest: 'Some Title' });
      expect(resolveCountry('Republic of Korea 7th International Conference')).toEqual({ code: 'KR', name: 'Republic of Korea', rest: '7th International Conference' });
      expect(resolveCountry('Guinea-Bissau Forum')?.code).toBe('GW');
      expect(resolveCountry('Guinea Forum')?.code).toBe('GN');
    });

    it('given the names the office uses, when resolved, then each maps to its ISO code', () => {
      expect(resolveCountry('China International Conference')).toEqual({ code: 'CN', name: 'China', rest: 'International Conference' });
      expect(resolveCountry('Mongolia Celebration')).toEqual({ code: 'MN', name: 'Mongolia', rest: 'Celebration' });
      expect(resolveCountry("People's Republic of China Forum")?.code).toBe('CN');
      expect(resolveCountry('Japan Education Forum')?.code).toBe('JP');
      expect(resolveCountry('North Korea Forum')?.code).toBe('KP');
      expect(resolveCountry('South Korea Forum')?.code).toBe('KR');
      expect(resolveCountry('Korea, Republic of Forum')).toEqual({ code: 'KR', name: 'Korea, Republic of', rest: 'Forum' });
    });

    it('given other case, curly apostrophes and extra spaces, when resolved, then the name still matches and is returned as written', () => {
      expect(resolveCountry('  democratic people’s republic  of korea Forum')).toEqual({ code: 'KP', name: 'democratic people’s republic  of korea', rest: 'Forum' });
      expect(resolveCountry('MONGOLIA')).toEqual({ code: 'MN', name: 'MONGOLIA', rest: '' });
    });

    it('given a name that continues into a longer word, when resolved, then it does not match inside the word', () => {
      expect(resolveCountry('Chinatown Festival')).toBeUndefined();
      expect(resolveCountry('Japanese Garden Day')).toBeUndefined();
      expect(resolveCountry('Mongolia: Festival')?.rest).toBe(': Festival');
    });

    it('given an unknown or ambiguous name, when resolved, then it is undefined', () => {
      expect(resolveCountry('Nowhere Lost Forum')).toBeUndefined();
      expect(resolveCountry('Congo Forum')).toBeUndefined(); // CG or CD
      expect(resolveCountry('Democratic Republic of the Congo Forum')?.code).toBe('CD');
    });
  });

  describe('given hand-made rows', () => {
    it('when a place has curly apostrophes, then the country resolves and the title is kept as written', () => {
      const { rows, failures } = parseListing('When Where\n1 May 2014 Pyongyang, Democratic People’s Republic of Korea Children’s Book Fair');
      expect(failures).toEqual([]);
      expect(rows[0]).toMatchObject({ city: 'Pyongyang', country: 'KP', countryName: 'Democratic People’s Republic of Korea', title: 'Children’s Book Fair' });
    });

    it('when a row names an unknown country, then it fails with its line number and the others still parse', () => {
      const { rows, failures } = parseListing('When Where\n3 March 2014 Atlantis, Nowhere Lost Forum\n4 March 2014 Tokyo, Japan Education Forum\n');
      expect(failures).toEqual([{ line: 2, text: '3 March 2014 Atlantis, Nowhere Lost Forum', reason: "unknown country in 'Atlantis, Nowhere Lost Forum'" }]);
      expect(rows).toEqual([expect.objectContaining({ line: 3, city: 'Tokyo', country: 'JP', title: 'Education Forum', start: { date: '2014-03-04' } })]);
    });

    it('when a date does not exist, then the row fails as an invalid date', () => {
      const { rows, failures } = parseListing('31 February 2013 Beijing, China Forum\n1 to 3\n2 March 2013 Beijing, China Other Forum');
      expect(failures[0]).toEqual({ line: 1, text: '31 February 2013 Beijing, China Forum', reason: "invalid date '31 February 2013'" });
      expect(failures[1]).toMatchObject({ line: 2, reason: expect.stringContaining('expected a row starting with a date') });
      expect(rows.map((r) => r.title)).toEqual(['Other Forum']);
    });

    it('when the end of a range does not exist, then the row fails and its place line is not read as a row', () => {
      const { rows, failures } = parseListing('1 March 2013 to 30 Febuary 2013\nBeijing, China Forum');
      expect(rows).toEqual([]);
      expect(failures).toEqual([{ line: 1, text: '1 March 2013 to 30 Febuary 2013 Beijing, China Forum', reason: "invalid date '30 Febuary 2013'" }]);
    });

    it('when a range line ends the text with no place line, then it fails as a range without a place', () => {
      const { rows, failures } = parseListing('When Where\n4 March 2014 Tokyo, Japan Education Forum\n22 October 2013 to 25 October 2013');
      expect(rows).toHaveLength(1);
      expect(failures).toEqual([{ line: 3, text: '22 October 2013 to 25 October 2013', reason: "date range without a 'City, Country Title' line" }]);
    });

    it('when a range line is followed by another row instead of its place, then the range fails and the next row still parses', () => {
      const { rows, failures } = parseListing('22 October 2013 to 25 October 2013\n4 March 2014 Tokyo, Japan Education Forum');
      expect(failures).toEqual([{ line: 1, text: '22 October 2013 to 25 October 2013', reason: "date range without a 'City, Country Title' line" }]);
      expect(rows).toEqual([expect.objectContaining({ line: 2, country: 'JP' })]);
    });

    it('when the range ends before it starts, then the row fails', () => {
      const { rows, failures } = parseListing('25 October 2013 to 22 October 2013\nSeoul, Republic of Korea Forum');
      expect(rows).toEqual([]);
      expect(failures).toEqual([{ line: 1, text: '25 October 2013 to 22 October 2013 Seoul, Republic of Korea Forum', reason: expect.stringContaining('end date before start date') }]);
    });

    it('when the place has no title or no comma, then the row fails', () => {
      const { rows, failures } = parseListing('1 May 2014 Ulaanbaatar, Mongolia\n2 May 2014 Ulaanbaatar Mongolia Forum');
      expect(rows).toEqual([]);
      expect(failures.map((f) => [f.line, f.reason])).toEqual([
        [1, "no title after the country in 'Ulaanbaatar, Mongolia'"],
        [2, "expected 'City, Country Title' in 'Ulaanbaatar Mongolia Forum'"],
      ]);
    });

    it('when the text has Windows line endings, extra blank lines and no trailing newline, then line numbers still count every line', () => {
      const text = 'Some prose\r\n\r\nWhen Where\r\n\r\n\r\n28 October 2013 Ulaanbaatar, Mongolia Celebration\r\n\r\n22 October 2013 to 25 October 2013\r\n\r\nSeoul, Republic of Korea ICEGOV  ';
      const { rows, failures } = parseListing(text);
      expect(failures).toEqual([]);
      expect(rows.map((r) => [r.line, r.city, r.country, r.title, r.start.date, r.end.date])).toEqual([
        [6, 'Ulaanbaatar', 'MN', 'Celebration', '2013-10-28', '2013-10-28'],
        [8, 'Seoul', 'KR', 'ICEGOV', '2013-10-22', '2013-10-25'],
      ]);
    });

    it('when the text has no "When Where" header, then the whole text is rows', () => {
      const { rows, failures } = parseListing('21 October 2013 to 23 October 2013\nBeijing, China International Conference on Learning Cities\n');
      expect(failures).toEqual([]);
      expect(rows).toEqual([
        { line: 1, title: 'International Conference on Learning Cities', city: 'Beijing', country: 'CN', countryName: 'China', start: { date: '2013-10-21' }, end: { date: '2013-10-23' } },
      ]);
    });

    it('when the text is empty or only the header, then there are no rows and no failures', () => {
      expect(parseListing('')).toEqual({ rows: [], failures: [] });
      expect(parseListing('When Where\n\n')).toEqual({ rows: [], failures: [] });
    });
  });

  describe('listingRowId', () => {
    const icegov: ListingRow = {
      line: 24,
      title: '7th International Conference on Theory and Practice or Electronic Governance (ICEGOV2013)',
      city: 'Seoul',
      country: 'KR',
      countryName: 'Republic of Korea',
      start: { date: '2013-10-22' },
      end: { date: '2013-10-25' },
    };

    it('given UUID v5, then it follows RFC 4122 (the well-known DNS example)', () => {
      expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
      expect(LISTING_ROW_NAMESPACE).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    });

    it('given the same row, then the id is the same v5 UUID on every import, whatever its line, case or spacing', () => {
      const id = listingRowId(icegov);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(listingRowId({ ...icegov })).toBe(id);
      const sameRowWrittenDifferently: ListingRow = { ...icegov, line: 99, city: 'SEOUL', countryName: 'South Korea', title: `  ${icegov.title.toUpperCase().replace(/ /g, '   ')} ` };
      expect(listingRowId(sameRowWrittenDifferently)).toBe(id);
      const twice = [parseListing(readFileSync(LISTING_PATH, 'utf8')), parseListing(readFileSync(LISTING_PATH, 'utf8'))].map((p) => p.rows.map(listingRowId));
      expect(twice[1]).toEqual(twice[0]);
      expect(twice[0]).toContain(id);
    });

    it('given rows that differ in dates, country, city or title, then their ids differ', () => {
      const ids = [
        icegov,
        { ...icegov, start: { date: '2013-10-21' } },
        { ...icegov, end: { date: '2013-10-26' } },
        { ...icegov, country: 'KP' },
        { ...icegov, city: 'Busan' },
        { ...icegov, title: 'Another conference' },
      ].map(listingRowId);
      expect(new Set(ids).size).toBe(ids.length);
      const fromFile = parseListing(readFileSync(LISTING_PATH, 'utf8')).rows.map(listingRowId);
      expect(new Set(fromFile).size).toBe(5);
    });
  });
});
