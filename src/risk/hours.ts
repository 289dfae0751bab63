import { LRUCache } from 'lru-cache';
import type { RiskCandidate, RiskHistoryItem, RiskOptions } from './types.js';

/**
 * The rule: take the local hour (in each sign-in's own time zone) of every past sign-in; an hour
 * seen at least twice is a usual hour. A sign-in is unusual when its local hour is more than the
 * tolerance (default 2 h, measured around the clock, so 23:00 is 1 h from 00:00) from every usual
 * hour. It needs enough history with time zones, and at least one usual hour; a user who signs in
 * at scattered hours has no pattern to break.
 */
export function unusualHour(candidate: RiskCandidate, history: RiskHistoryItem[], opts: RiskOptions): string | null {
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

// Time zones come from the GeoIP database: a few hundred names at most.
const hourFormatters = new LRUCache<string, { formatter: Intl.DateTimeFormat | null }>({ max: 1000 });
// Local hour by (time zone, quarter hour): every zone's offset is a multiple of 15 minutes, so the
// answer is the same for a whole quarter hour. A user's history is read again on every sign-in, so
// this saves formatting a date through Intl for every past session.
const hourCache = new LRUCache<string, { hour: number | null }>({ max: 100_000 });
const QUARTER_HOUR_MS = 900_000;

/** The hour (0–23) at `date` in `timeZone`, or null for a time zone Intl does not know. */
function localHour(date: Date, timeZone: string): number | null {
  const time = date.getTime();
  if (Number.isNaN(time)) return null;
  const key = `${timeZone}|${Math.floor(time / QUARTER_HOUR_MS)}`;
  const cached = hourCache.get(key);
  if (cached !== undefined) return cached.hour;
  let entry = hourFormatters.get(timeZone);
  if (entry === undefined) {
    let formatter: Intl.DateTimeFormat | null;
    try {
      formatter = new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', hourCycle: 'h23' });
    } catch {
      formatter = null;
    }
    entry = { formatter };
    hourFormatters.set(timeZone, entry);
  }
  const hour = entry.formatter ? Number(entry.formatter.format(time)) : Number.NaN;
  const result = Number.isInteger(hour) && hour >= 0 && hour < 24 ? hour : null;
  hourCache.set(key, { hour: result });
  return result;
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
