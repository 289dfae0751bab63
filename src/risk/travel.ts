import type { RiskCandidate, RiskHistoryItem, RiskPlace } from './types.js';

const EARTH_RADIUS_KM = 6371.0088;
const MS_PER_HOUR = 3_600_000;

/**
 * Against the most recent earlier activity that has coordinates: the distance that cannot be
 * explained by either location's accuracy radius, divided by the time between that activity and
 * this sign-in, above `maxSpeedKmh`. A positive distance with no time at all is impossible too.
 */
export function impossibleTravel(
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
