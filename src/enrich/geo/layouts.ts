import type { CityResponse } from 'maxmind';
import type { Location } from '../types.js';
import { englishCountryName } from '../country-names.js';
import { cleanCountryCode, cleanName, cleanPosition, cleanRadiusKm, cleanTimeZone, type OnDropped } from './clean.js';
import { countryFlag } from './flag.js';

// The two City record layouts the lookup reads, told apart by the file's metadata databaseType:
// MaxMind's GeoIP2/GeoLite2 City (nested objects, localized names, an accuracy radius) and the
// flat one of the ip-location-db builds ("city ipv4" / "city ipv6": country_code, state1, state2,
// city, postcode, latitude, longitude, timezone; no names, no radius).

export type CityLayout = 'maxmind' | 'ip-location-db';

export function cityLayoutOf(databaseType: string): CityLayout {
  return /^city ipv[46]$/.test(databaseType) ? 'ip-location-db' : 'maxmind';
}

/**
 * Accuracy radius (km) stated for a position that comes without one, by what the record names.
 * The risk rules subtract both radii from a distance before they call travel impossible, so a
 * radius that is too small turns honest logins into alarms: these err on the large side. A city
 * position is the city's centre, and networks (mobile ones above all) reach well beyond it; a
 * region or country position is the centroid of an area that can span thousands of kilometres.
 */
export const FALLBACK_RADIUS_KM = { city: 500, region: 1000, country: 2500 } as const;

export function fallbackRadiusKm(place: { city: string | null; region: string | null }): number {
  if (place.city !== null) return FALLBACK_RADIUS_KM.city;
  if (place.region !== null) return FALLBACK_RADIUS_KM.region;
  return FALLBACK_RADIUS_KM.country;
}

/**
 * Maps a MaxMind City record to the Location exposed on sessions, in English. Records for some
 * networks carry only the registered country or only the continent; what exists is used. Every
 * value is cleaned (clean.ts): one that is not what its field holds is dropped and reported.
 */
export function fromMaxMindCity(record: CityResponse, dropped?: OnDropped): Location | null {
  const country = record.country ?? record.registered_country ?? record.represented_country;
  const countryCode = cleanCountryCode(country?.iso_code, dropped);
  const countryName =
    cleanName(country?.names?.en, 'country', dropped) ?? (country ? null : cleanName(record.continent?.names?.en, 'country', dropped));
  const where = record.location;
  if (countryCode === null && countryName === null && !where) return null;
  const { latitude, longitude } = cleanPosition(where?.latitude, where?.longitude, dropped);
  const region = cleanName(record.subdivisions?.[0]?.names?.en, 'region', dropped);
  const city = cleanName(record.city?.names?.en, 'city', dropped);
  const stated = cleanRadiusKm(where?.accuracy_radius, dropped);
  return {
    countryCode,
    country: countryName,
    flag: countryFlag(countryCode),
    region,
    city,
    latitude,
    longitude,
    accuracyRadiusKm: stated ?? (latitude !== null && longitude !== null ? fallbackRadiusKm({ city, region }) : null),
    timeZone: cleanTimeZone(where?.time_zone, dropped),
  };
}

/** Maps an ip-location-db City record; the country name comes from the runtime's CLDR data. */
export function fromIpLocationDbCity(record: Record<string, unknown>, dropped?: OnDropped): Location | null {
  const countryCode = cleanCountryCode(record.country_code, dropped);
  if (countryCode === null) return null;
  // Float32 in the file: rounded to MaxMind's own four decimals (about 11 m).
  const position = cleanPosition(record.latitude, record.longitude, dropped);
  const latitude = rounded(position.latitude);
  const longitude = rounded(position.longitude);
  const region = cleanName(record.state1, 'region', dropped);
  const city = cleanName(record.city, 'city', dropped);
  return {
    countryCode,
    country: englishCountryName(countryCode),
    flag: countryFlag(countryCode),
    region,
    city,
    latitude,
    longitude,
    accuracyRadiusKm: latitude !== null && longitude !== null ? fallbackRadiusKm({ city, region }) : null,
    timeZone: cleanTimeZone(record.timezone, dropped),
  };
}

function rounded(value: number | null): number | null {
  return value === null ? null : Math.round(value * 10_000) / 10_000;
}
