import { cleanText } from '../../text.js';

// What a City or ASN record yields is the registry's own data, but a file damaged on disk or in
// transfer still opens and decodes into whatever its bytes now say: a NUL inside a time zone, a
// country code that is no longer one, a latitude of 1e300. Every value a lookup returns passes
// here; a value that is not what its field holds is dropped (the rest of the location stays),
// and the drop is counted, so damaged data costs a field of a location, never the login.

/** The fields of a location or network that can be dropped; `position` is latitude and longitude together. */
export const DROPPABLE_FIELDS = [
  'countryCode',
  'country',
  'region',
  'city',
  'position',
  'accuracyRadius',
  'timeZone',
  'organization',
] as const;
export type DroppableField = (typeof DROPPABLE_FIELDS)[number];
export type OnDropped = (field: DroppableField) => void;

const ignore: OnDropped = () => {};

/** Longer than any place or organisation name in the data. */
const MAX_NAME_LENGTH = 200;
/** Half the Earth's circumference: no stated radius is larger. */
const MAX_RADIUS_KM = 20_038;

/**
 * A name as it may be stored and shown, or null. Absent and empty values are simply unknown (the
 * flat layout writes "" for an unknown field); anything else that is not clean text by the
 * project's rules (control characters, broken surrogates, U+FFFD from undecodable UTF-8, too long,
 * not a string) is damage and is dropped.
 */
export function cleanName(value: unknown, field: DroppableField, dropped: OnDropped = ignore): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || value.length > MAX_NAME_LENGTH || value.includes('\ufffd')) return drop(field, dropped);
  const cleaned = cleanText(value, MAX_NAME_LENGTH);
  if (cleaned === null) return null;
  return cleaned === value.trim() ? cleaned : drop(field, dropped);
}

/** An ISO 3166-1 alpha-2 code in upper case, or null. */
export function cleanCountryCode(value: unknown, dropped: OnDropped = ignore): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'string' && /^[A-Za-z]{2}$/.test(value)) return value.toUpperCase();
  return drop('countryCode', dropped);
}

const knownZones = new Set<string>();

/** An IANA time zone the runtime knows (the risk rules read local hours with it), or null. */
export function cleanTimeZone(value: unknown, dropped: OnDropped = ignore): string | null {
  const name = cleanName(value, 'timeZone', dropped);
  if (name === null || knownZones.has(name)) return name;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
  } catch {
    return drop('timeZone', dropped);
  }
  // Only known zones are remembered: the set is bounded by the zone database, whatever a file holds.
  knownZones.add(name);
  return name;
}

/** Latitude and longitude, both finite and in range, or both null. */
export function cleanPosition(
  latitude: unknown,
  longitude: unknown,
  dropped: OnDropped = ignore,
): { latitude: number | null; longitude: number | null } {
  const none = { latitude: null, longitude: null };
  if ((latitude === undefined || latitude === null) && (longitude === undefined || longitude === null)) return none;
  const ok =
    typeof latitude === 'number' &&
    Number.isFinite(latitude) &&
    Math.abs(latitude) <= 90 &&
    typeof longitude === 'number' &&
    Number.isFinite(longitude) &&
    Math.abs(longitude) <= 180;
  if (ok) return { latitude, longitude };
  dropped('position');
  return none;
}

/** A stated accuracy radius in kilometres, or null. */
export function cleanRadiusKm(value: unknown, dropped: OnDropped = ignore): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= MAX_RADIUS_KM) return value;
  return drop('accuracyRadius', dropped);
}

function drop(field: DroppableField, dropped: OnDropped): null {
  dropped(field);
  return null;
}
