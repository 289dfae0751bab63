import type { CityResponse } from 'maxmind';
import type { Location } from '../types.js';
import { englishCountryName } from '../country-names.js';
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
 * networks carry only the registered country or only the continent; what exists is used.
 */
export function fromMaxMindCity(record: CityResponse): Location | null {
  const country = record.country ?? record.registered_country ?? record.represented_country;
  const countryCode = alpha2(country?.iso_code);
  const countryName = text(country?.names?.en) ?? (country ? null : text(record.continent?.names?.en));
  const where = record.location;
  if (countryCode === null && countryName === null && !where) return null;
  const latitude = finiteOrNull(where?.latitude);
  const longitude = finiteOrNull(where?.longitude);
  const region = text(record.subdivisions?.[0]?.names?.en);
  const city = text(record.city?.names?.en);
  const stated = finiteOrNull(where?.accuracy_radius);
  return {
    countryCode,
    country: countryName,
    flag: countryFlag(countryCode),
    region,
    city,
    latitude,
    longitude,
    accuracyRadiusKm: stated ?? (latitude !== null && longitude !== null ? fallbackRadiusKm({ city, region }) : null),
    timeZone: text(where?.time_zone),
  };
}

/** Maps an ip-location-db City record; the country name comes from the runtime's CLDR data. */
export function fromIpLocationDbCity(record: Record<string, unknown>): Location | null {
  const countryCode = alpha2(record.country_code);
  if (countryCode === null) return null;
  // Float32 in the file: rounded to MaxMind's own four decimals (about 11 m).
  const latitude = rounded(finiteOrNull(record.latitude));
  const longitude = rounded(finiteOrNull(record.longitude));
  const region = text(record.state1);
  const city = text(record.city);
  return {
    countryCode,
    country: englishCountryName(countryCode),
    flag: countryFlag(countryCode),
    region,
    city,
    latitude,
    longitude,
    accuracyRadiusKm: latitude !== null && longitude !== null ? fallbackRadiusKm({ city, region }) : null,
    timeZone: text(record.timezone),
  };
}

function alpha2(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const upper = value.toUpperCase();
  return /^[A-Z]{2}$/.test(upper) ? upper : null;
}

/** A non-empty string, or null (the flat layout writes "" for an unknown field). */
function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function rounded(value: number | null): number | null {
  return value === null ? null : Math.round(value * 10_000) / 10_000;
}
