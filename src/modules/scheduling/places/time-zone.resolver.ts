import cityTimezones from 'city-timezones';
import { getCountry } from 'countries-and-timezones';
import countries from 'i18n-iso-countries';
import { DomainError } from '../../../common/domain/domain-error';

export type ZoneResolution = { timeZone: string } | { error: string };

export function isCountryCode(code: string): boolean {
  return /^[A-Z]{2}$/.test(code) && countries.isValid(code);
}

/**
 * Derives an IANA zone from a place with maintained data sets (no hand-written table):
 * a country with a single zone decides it (countries-and-timezones); otherwise the city
 * must name exactly one zone within that country (city-timezones). Anything else is
 * ambiguous, and the caller must ask for `timeZone`.
 */
export function resolveTimeZone(city: string, country: string): ZoneResolution {
  const zones = getCountry(country)?.timezones ?? [];
  if (zones.length === 1) return { timeZone: zones[0] };
  const inCountry = new Set(
    cityTimezones
      .lookupViaCity(city.trim())
      .filter((c) => c.iso2 === country)
      .map((c) => c.timezone),
  );
  if (inCountry.size === 1) return { timeZone: [...inCountry][0] };
  if (inCountry.size > 1) return { error: `${city}, ${country} lies in several time zones (${[...inCountry].join(', ')}); give timeZone` };
  if (zones.length === 0) return { error: `no time zone is known for country ${country}; give timeZone` };
  return { error: `${country} has several time zones and the city "${city}" is not known to pick one; give timeZone` };
}

/**
 * The zone an event at this place is scheduled in: the one given, else the one its place
 * names. Both the API and the listing import schedule through here, so they derive alike.
 */
export function timeZoneFor(place: { city: string; country: string }, given?: string): string {
  if (given) return given;
  const z = resolveTimeZone(place.city, place.country);
  if ('error' in z) throw new DomainError('invalid', 'TIME_ZONE_REQUIRED', z.error, 'timeZone');
  return z.timeZone;
}
