import { RISK_FLAGS } from '../enrich/types.js';
import type { Risk, RiskFlag } from '../enrich/types.js';

// Suspicious-sign rules for a sign-in (or a session that moved to a new network), judged against
// the user's other retained sessions. Pure: no clock, no I/O — every input is an argument.

export interface RiskPlace {
  countryCode: string | null;
  latitude: number | null;
  longitude: number | null;
  accuracyRadiusKm: number | null;
  timeZone: string | null;
}

export interface RiskCandidate {
  at: Date;
  deviceKey: string;
  isBot: boolean;
  location: RiskPlace | null;
  sessionId?: string;
}

export interface RiskHistoryItem {
  id: string;
  createdAt: Date;
  lastActiveAt: Date;
  endedAt: Date | null;
  deviceKey: string;
  location: RiskPlace | null;
}

export interface RiskOptions {
  /** Faster than this between two places is impossible travel (km/h; an airliner cruises at ~900). */
  maxSpeedKmh: number;
  /** Past sign-ins with a known time zone needed before an hour can be called unusual. */
  unusualHourMinHistory: number;
  /** How far (in hours, around the clock) a sign-in may be from a usual hour and still be usual. */
  unusualHourToleranceHours: number;
  /** Country name for messages; defaults to the English name from Intl.DisplayNames. */
  countryName: (countryCode: string) => string;
}

export const DEFAULT_RISK_OPTIONS: RiskOptions = {
  maxSpeedKmh: 1000,
  unusualHourMinHistory: 10,
  unusualHourToleranceHours: 2,
  countryName: englishCountryName,
};

const EARTH_RADIUS_KM = 6371.0088;
const MS_PER_HOUR = 3_600_000;

/**
 * Flags (in RISK_FLAGS order, each once) with a sentence a person understands for each.
 * `history` holds the user's other sessions, active and ended, in any order, never the candidate.
 */
export function assessRisk(candidate: RiskCandidate, history: RiskHistoryItem[], options: Partial<RiskOptions> = {}): Risk {
  const opts: RiskOptions = { ...DEFAULT_RISK_OPTIONS, ...options };
  const reasons = new Map<RiskFlag, string>();
  const country = candidate.location?.countryCode ?? null;
  const name = (code: string) => safeName(opts.countryName, code);

  // A first sign-in is a baseline, not a signal; nor is the first one that could be located, since
  // history from private networks or before a GeoIP database existed says nothing about places.
  const knownCountries = new Set(history.map((h) => h.location?.countryCode).filter((c): c is string => !!c));
  if (country && knownCountries.size > 0 && !knownCountries.has(country)) {
    reasons.set('new_country', `First sign-in from ${name(country)} for this account.`);
  }

  if (history.length > 0 && !history.some((h) => h.deviceKey === candidate.deviceKey)) {
    reasons.set('new_device', 'First sign-in from this device for this account.');
  }

  if (country) {
    const elsewhere = new Set<string>();
    for (const h of history) {
      const other = h.location?.countryCode;
      if (h.endedAt === null && other && other !== country) elsewhere.add(other);
    }
    if (elsewhere.size > 0) {
      const places = [...elsewhere].sort().map(name).join(', ');
      const sessions = elsewhere.size === 1 ? 'a session is' : 'sessions are';
      reasons.set('concurrent_countries', `Signed in from ${name(country)} while ${sessions} active in ${places}.`);
    }
  }

  const travel = impossibleTravel(candidate, history, opts.maxSpeedKmh, name);
  if (travel) reasons.set('impossible_travel', travel);

  const hour = unusualHour(candidate, history, opts);
  if (hour) reasons.set('unusual_hour', hour);

  if (candidate.isBot) reasons.set('bot', 'Signed in by an automated client (a bot or crawler), not a person.');

  const flags = RISK_FLAGS.filter((flag) => reasons.has(flag));
  return { flags, reasons: flags.map((flag) => ({ flag, message: reasons.get(flag) as string })) };
}

/**
 * Against the most recent earlier activity that has coordinates: the distance that cannot be
 * explained by either location's accuracy radius, divided by the time between that activity and
 * this sign-in, above `maxSpeedKmh`. A positive distance with no time at all is impossible too.
 */
function impossibleTravel(
  candidate: RiskCandidate,
  history: RiskHistoryItem[],
  maxSpeedKmh: number,
  name: (code: string) => string,
): string | null {
  const here = candidate.location;
  if (!hasCoordinates(here)) return null;
  let previous: RiskHistoryItem | null = null;
  for (const h of history) {
    if (hasCoordinates(h.location) && (previous === null || h.lastActiveAt.getTime() > previous.lastActiveAt.getTime())) {
      previous = h;
    }
  }
  if (previous === null || !hasCoordinates(previous.location)) return null;
  const there = previous.location;
  const rawKm = haversineKm(there.latitude, there.longitude, here.latitude, here.longitude);
  const distanceKm = rawKm - radius(here) - radius(there);
  if (distanceKm <= 0) return null;
  const hours = (candidate.at.getTime() - previous.lastActiveAt.getTime()) / MS_PER_HOUR;
  if (hours > 0 && distanceKm / hours <= maxSpeedKmh) return null;
  const from = there.countryCode ? ` in ${name(there.countryCode)}` : '';
  const to = here.countryCode ? ` from ${name(here.countryCode)}` : '';
  const when = hours > 0 ? `${formatDuration(hours)} after` : 'at the same time as';
  return (
    `Signed in${to} ${when} activity${from}, about ${formatKm(rawKm)} away: ` +
    `faster than ${formatKm(maxSpeedKmh)}/h, so not the same person travelling.`
  );
}

/**
 * The rule: take the local hour (in each sign-in's own time zone) of every past sign-in; an hour
 * seen at least twice is a usual hour. A sign-in is unusual when its local hour is more than the
 * tolerance (default 2 h, measured around the clock, so 23:00 is 1 h from 00:00) from every usual
 * hour. It needs enough history with time zones, and at least one usual hour; a user who signs in
 * at scattered hours has no pattern to break.
 */
function unusualHour(candidate: RiskCandidate, history: RiskHistoryItem[], opts: RiskOptions): string | null {
  const zone = candidate.location?.timeZone;
  const candidateHour = zone ? localHour(candidate.at, zone) : null;
  if (candidateHour === null) return null;
  const counts = new Array<number>(24).fill(0);
  let known = 0;
  for (const h of history) {
    const hour = h.location?.timeZone ? localHour(h.createdAt, h.location.timeZone) : null;
    if (hour === null) continue;
    counts[hour] += 1;
    known += 1;
  }
  if (known < opts.unusualHourMinHistory) return null;
  const usual = counts.flatMap((count, hour) => (count >= 2 ? [hour] : []));
  if (usual.length === 0) return null;
  const near = usual.some((hour) => circularDistance(hour, candidateHour) <= opts.unusualHourToleranceHours);
  if (near) return null;
  return (
    `Signed in at ${pad(candidateHour)}:00 local time; this account usually signs in around ` +
    `${describeHours(usual)} (hours seen at least twice in ${known} past sign-ins).`
  );
}

const hourFormatters = new Map<string, Intl.DateTimeFormat | null>();
// Local hour by (time zone, quarter hour): every zone's offset is a multiple of 15 minutes, so the
// answer is the same for a whole quarter hour. A user's history is re-read on every sign-in, so
// this turns ~1 µs of Intl formatting per past session into a map lookup.
const hourCache = new Map<string, number | null>();
const HOUR_CACHE_LIMIT = 100_000;
const QUARTER_HOUR_MS = 900_000;

/** The hour (0–23) at `date` in `timeZone`, or null for a time zone Intl does not know. */
function localHour(date: Date, timeZone: string): number | null {
  const time = date.getTime();
  if (Number.isNaN(time)) return null;
  const key = `${timeZone}|${Math.floor(time / QUARTER_HOUR_MS)}`;
  const cached = hourCache.get(key);
  if (cached !== undefined) return cached;
  let formatter = hourFormatters.get(timeZone);
  if (formatter === undefined) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', hourCycle: 'h23' });
    } catch {
      formatter = null;
    }
    // Time zones come from the GeoIP database: a few hundred names at most.
    if (hourFormatters.size < 1000) hourFormatters.set(timeZone, formatter);
  }
  const hour = formatter ? Number(formatter.format(time)) : Number.NaN;
  const result = Number.isInteger(hour) && hour >= 0 && hour < 24 ? hour : null;
  if (hourCache.size >= HOUR_CACHE_LIMIT) hourCache.clear();
  hourCache.set(key, result);
  return result;
}

export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}

type Located = RiskPlace & { latitude: number; longitude: number };

function hasCoordinates(place: RiskPlace | null | undefined): place is Located {
  return !!place && Number.isFinite(place.latitude) && Number.isFinite(place.longitude);
}

function radius(place: RiskPlace): number {
  const km = place.accuracyRadiusKm;
  return typeof km === 'number' && Number.isFinite(km) && km > 0 ? km : 0;
}

function circularDistance(a: number, b: number): number {
  const d = Math.abs(a - b) % 24;
  return Math.min(d, 24 - d);
}

/** Usual hours as ranges: [8, 9, 10, 19] → "08:00–10:59 and 19:00–19:59". */
function describeHours(hours: number[]): string {
  const ranges: Array<[number, number]> = [];
  for (const hour of hours) {
    const last = ranges.at(-1);
    if (last && last[1] === hour - 1) last[1] = hour;
    else ranges.push([hour, hour]);
  }
  const parts = ranges.map(([from, to]) => `${pad(from)}:00–${pad(to)}:59`);
  return parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : parts[0];
}

function pad(hour: number): string {
  return String(hour).padStart(2, '0');
}

function formatKm(km: number): string {
  return `${Math.round(km).toLocaleString('en-US')} km`;
}

function formatDuration(hours: number): string {
  const minutes = Math.round(hours * 60);
  if (minutes < 1) return 'less than a minute';
  if (minutes < 90) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const whole = Math.round(hours);
  return whole < 48 ? `${whole} hours` : `${Math.round(hours / 24)} days`;
}

let regionNames: Intl.DisplayNames | null | undefined;

const countryNames = new Map<string, string>();

function englishCountryName(code: string): string {
  let name = countryNames.get(code);
  if (name === undefined) {
    name = displayCountryName(code);
    // Codes come from the GeoIP database: a few hundred at most.
    if (countryNames.size < 1000) countryNames.set(code, name);
  }
  return name;
}

function displayCountryName(code: string): string {
  if (regionNames === undefined) {
    try {
      regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
    } catch {
      regionNames = null;
    }
  }
  try {
    return regionNames?.of(code.toUpperCase()) ?? code;
  } catch {
    return code;
  }
}

function safeName(countryName: (code: string) => string, code: string): string {
  try {
    return countryName(code) || code;
  } catch {
    return code;
  }
}
