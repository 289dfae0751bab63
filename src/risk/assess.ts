import { englishCountryName } from '../enrich/country-names.js';
import { RISK_FLAGS } from '../enrich/types.js';
import type { Risk, RiskFlag } from '../enrich/types.js';
import { unusualHour } from './hours.js';
import { impossibleTravel } from './travel.js';
import type { RiskCandidate, RiskHistoryItem, RiskOptions } from './types.js';

// Suspicious-sign rules for a sign-in (or a session that moved to a new network), judged against
// the user's other retained sessions. Pure: no clock, no I/O — every input is an argument.

export type { RiskCandidate, RiskHistoryItem, RiskOptions, RiskPlace } from './types.js';

export const DEFAULT_RISK_OPTIONS: RiskOptions = {
  maxSpeedKmh: 1000,
  unusualHourMinHistory: 10,
  unusualHourToleranceHours: 2,
  countryName: (code) => englishCountryName(code) ?? code,
};

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
  const located = history.some((h) => !!h.location?.countryCode);
  const knownCountries = new Set(
    history
      .filter((h) => h.countryKnown !== false)
      .map((h) => h.location?.countryCode)
      .filter((c): c is string => !!c),
  );
  if (country && located && !knownCountries.has(country)) {
    reasons.set('new_country', `First sign-in from ${name(country)} for this account.`);
  }

  if (history.length > 0 && !history.some((h) => h.deviceKnown !== false && h.deviceKey === candidate.deviceKey)) {
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

function safeName(countryName: (code: string) => string, code: string): string {
  try {
    return countryName(code) || code;
  } catch {
    return code;
  }
}
