import type { Programme } from '../../modules/scheduling/domain/events';
import { PROGRAMMES } from '../../modules/scheduling/domain/events';

/** The first office's five countries (CN, JP, KP, KR, MN), one venue city each. */
export const PLACES = [
  { city: 'Beijing', country: 'CN', venue: 'UNESCO Beijing Office', timeZone: 'Asia/Shanghai' },
  { city: 'Seoul', country: 'KR', venue: 'COEX', timeZone: 'Asia/Seoul' },
  { city: 'Tokyo', country: 'JP', venue: 'United Nations University', timeZone: 'Asia/Tokyo' },
  { city: 'Ulaanbaatar', country: 'MN', venue: 'Government Palace', timeZone: 'Asia/Ulaanbaatar' },
  { city: 'Pyongyang', country: 'KP', venue: "Grand People's Study House", timeZone: 'Asia/Pyongyang' },
] as const;

export const DESCRIPTION =
  'Jointly organised with the national commissions for UNESCO of the region. The meeting reviews progress on the ' +
  "programme's regional strategy, shares good practice between member states and agrees on the next biennium's joint activities.";

export interface ScheduleBody {
  title: string;
  description: string;
  programme: Programme;
  location: { city: string; country: string; venue: string };
  timeZone?: string;
  start: { date: string } | { dateTime: string };
  end: { date: string } | { dateTime: string };
}

/** The body every client of the append benchmark sends (the zone is derived from the place, as clients usually do). */
export const APPEND_BODY: ScheduleBody = {
  title: '7th International Conference on Theory and Practice of Electronic Governance',
  description: DESCRIPTION,
  programme: 'communication-information',
  location: { city: 'Seoul', country: 'KR', venue: 'COEX' },
  start: { date: '2027-10-22' },
  end: { date: '2027-10-25' },
};

const pad = (n: number): string => String(n).padStart(2, '0');

/** A varied but valid event: place, programme, day and form (all-day or timed) follow from `i`. */
export function scheduleBody(i: number, baseYear = 2027): ScheduleBody {
  const place = PLACES[i % PLACES.length];
  const day = new Date(Date.UTC(baseYear, 0, 1) + (i % 730) * 86_400_000);
  const ymd = (d: Date) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const timed = i % 3 === 0;
  const last = new Date(day.getTime() + (i % 4) * 86_400_000);
  return {
    title: `Regional forum ${i} on ${PROGRAMMES[i % PROGRAMMES.length].replace('-', ' ')}`,
    description: DESCRIPTION,
    programme: PROGRAMMES[(i >> 2) % PROGRAMMES.length],
    location: { city: place.city, country: place.country, venue: place.venue },
    timeZone: place.timeZone,
    start: timed ? { dateTime: `${ymd(day)}T09:30` } : { date: ymd(day) },
    end: timed ? { dateTime: `${ymd(day)}T17:00` } : { date: ymd(last) },
  };
}
