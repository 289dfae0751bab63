import t from 'tap';
import { assessRisk } from '../../src/risk/assess.js';
import { haversineKm } from '../../src/risk/travel.js';
import type { RiskCandidate, RiskHistoryItem, RiskPlace } from '../../src/risk/assess.js';

const PARIS: RiskPlace = { countryCode: 'FR', latitude: 48.8566, longitude: 2.3522, accuracyRadiusKm: 0, timeZone: 'Europe/Paris' };
const BERLIN: RiskPlace = { countryCode: 'DE', latitude: 52.52, longitude: 13.405, accuracyRadiusKm: 0, timeZone: 'Europe/Berlin' };
const TOKYO: RiskPlace = { countryCode: 'JP', latitude: 35.6762, longitude: 139.6503, accuracyRadiusKm: 0, timeZone: 'Asia/Tokyo' };
const LYON: RiskPlace = { countryCode: 'FR', latitude: 45.764, longitude: 4.8357, accuracyRadiusKm: 0, timeZone: 'Europe/Paris' };

const T0 = new Date('2024-06-03T08:00:00Z');
const hoursAfter = (hours: number, from = T0) => new Date(from.getTime() + hours * 3_600_000);

let counter = 0;
function past(overrides: Partial<RiskHistoryItem> = {}): RiskHistoryItem {
  counter += 1;
  return {
    id: `s${counter}`,
    createdAt: hoursAfter(-48),
    lastActiveAt: hoursAfter(-24),
    endedAt: hoursAfter(-24),
    deviceKey: 'browser|macos|chrome|',
    location: PARIS,
    ...overrides,
  };
}

function candidate(overrides: Partial<RiskCandidate> = {}): RiskCandidate {
  return { at: T0, deviceKey: 'browser|macos|chrome|', isBot: false, location: PARIS, ...overrides };
}

t.test('a first sign-in raises nothing about places or devices', async (t) => {
  const risk = assessRisk(candidate({ location: TOKYO, deviceKey: 'app|ios|immich|' }), []);
  t.same(risk, { flags: [], reasons: [] });
});

t.test('new_country', async (t) => {
  const risk = assessRisk(candidate({ location: BERLIN }), [past()]);
  t.same(risk.flags, ['new_country']);
  t.same(risk.reasons, [{ flag: 'new_country', message: 'First sign-in from Germany for this account.' }]);
  t.same(assessRisk(candidate({ location: LYON }), [past()]).flags, [], 'another city in a known country');
  t.same(assessRisk(candidate({ location: null }), [past()]).flags, [], 'no country, no flag');
  t.same(
    assessRisk(candidate({ location: { ...BERLIN, countryCode: null } }), [past()]).flags,
    [],
    'a location without a country is no country',
  );
  t.same(
    assessRisk(candidate({ location: BERLIN }), [past({ location: null })]).flags,
    [],
    'no flag when no earlier sign-in had a known country',
  );
  const named = assessRisk(candidate({ location: BERLIN }), [past()], { countryName: (c) => `land ${c}` });
  t.equal(named.reasons[0]?.message, 'First sign-in from land DE for this account.');
});

t.test('new_device', async (t) => {
  t.same(assessRisk(candidate({ deviceKey: 'browser|windows|firefox|' }), [past()]).reasons, [
    { flag: 'new_device', message: 'First sign-in from this device for this account.' },
  ]);
  t.same(assessRisk(candidate(), [past({ deviceKey: 'x' }), past()]).flags, [], 'seen in any earlier session');
  t.same(assessRisk(candidate({ deviceKey: 'id:abc' }), [past({ deviceKey: 'id:abc', endedAt: hoursAfter(-1) })]).flags, []);
});

t.test('concurrent_countries only counts sessions still active', async (t) => {
  const activeInGermany = past({ location: BERLIN, endedAt: null, lastActiveAt: hoursAfter(-30) });
  const endedInJapan = past({ location: TOKYO, endedAt: hoursAfter(-1), lastActiveAt: hoursAfter(-200) });
  const risk = assessRisk(candidate(), [past(), activeInGermany, endedInJapan]);
  t.same(risk.flags, ['concurrent_countries']);
  t.equal(risk.reasons[0]?.message, 'Signed in from France while a session is active in Germany.');
  t.same(assessRisk(candidate(), [past(), { ...activeInGermany, endedAt: hoursAfter(-29) }]).flags, [], 'ended: not concurrent');
  t.same(assessRisk(candidate(), [past({ endedAt: null, location: LYON })]).flags, [], 'same country');
  t.same(assessRisk(candidate({ location: null }), [activeInGermany]).flags, [], 'candidate without a country');
  const two = assessRisk(candidate(), [past(), activeInGermany, past({ location: TOKYO, endedAt: null, lastActiveAt: hoursAfter(-300) })]);
  t.equal(
    two.reasons.find((r) => r.flag === 'concurrent_countries')?.message,
    'Signed in from France while sessions are active in Germany, Japan.',
  );
});

t.test('impossible_travel at the speed limit', async (t) => {
  const km = haversineKm(PARIS.latitude!, PARIS.longitude!, TOKYO.latitude!, TOKYO.longitude!);
  t.ok(km > 9600 && km < 9800, `Paris–Tokyo is ${Math.round(km)} km`);
  const lastSeenInParis = past({ lastActiveAt: hoursAfter(-2), location: PARIS });
  const inTokyo = candidate({ location: TOKYO });
  const history = [past({ location: TOKYO, lastActiveAt: hoursAfter(-500) }), lastSeenInParis];

  t.notOk(assessRisk(inTokyo, history, { maxSpeedKmh: km / 2 }).flags.includes('impossible_travel'), 'exactly at the limit: possible');
  t.ok(assessRisk(inTokyo, history, { maxSpeedKmh: km / 2 - 1e-6 }).flags.includes('impossible_travel'), 'just above: impossible');

  const risk = assessRisk(inTokyo, history);
  t.same(risk.flags, ['impossible_travel']);
  t.equal(
    risk.reasons[0]?.message,
    `Signed in from Japan 2 hours after activity in France, about ${Math.round(km).toLocaleString('en-US')} km away: faster than 1,000 km/h, so not the same person travelling.`,
  );
  t.same(assessRisk(candidate({ location: TOKYO, at: hoursAfter(12) }), history).flags, [], '12 hours later is a flight');
});

t.test('impossible_travel compares with the most recent earlier activity', async (t) => {
  const history = [
    past({ location: PARIS, lastActiveAt: hoursAfter(-1) }),
    past({ location: TOKYO, lastActiveAt: hoursAfter(-0.5), endedAt: hoursAfter(-0.5) }),
  ];
  t.same(assessRisk(candidate({ location: TOKYO }), history).flags, [], 'most recent activity was in Tokyo already');
  t.ok(assessRisk(candidate({ location: PARIS }), history).flags.includes('impossible_travel'));
  const noCoordinates = [
    past({ location: PARIS, lastActiveAt: hoursAfter(-10) }),
    past({ location: { ...TOKYO, latitude: null, longitude: null }, lastActiveAt: hoursAfter(-0.1) }),
  ];
  t.same(assessRisk(candidate({ location: PARIS }), noCoordinates).flags, [], 'sessions without coordinates are skipped');
});

t.test('impossible_travel subtracts both accuracy radii', async (t) => {
  const km = haversineKm(PARIS.latitude!, PARIS.longitude!, LYON.latitude!, LYON.longitude!);
  // 392 km in 20 minutes is ~1,180 km/h; with 50 km of uncertainty on each side it is ~880 km/h.
  const history = [past({ location: PARIS, lastActiveAt: hoursAfter(-1 / 3) })];
  t.ok(assessRisk(candidate({ location: LYON }), history).flags.includes('impossible_travel'), `${Math.round(km)} km in 20 min`);
  const fuzzy = [past({ location: { ...PARIS, accuracyRadiusKm: 50 }, lastActiveAt: hoursAfter(-1 / 3) })];
  t.same(assessRisk(candidate({ location: { ...LYON, accuracyRadiusKm: 50 } }), fuzzy).flags, []);
  const wide = [past({ location: { ...PARIS, accuracyRadiusKm: 1000 }, lastActiveAt: T0 })];
  t.same(assessRisk(candidate({ location: LYON }), wide).flags, [], 'radii cover the whole distance: no travel at all');
});

t.test('impossible_travel with no time in between', async (t) => {
  const same = [past({ location: PARIS, lastActiveAt: T0 })];
  const risk = assessRisk(candidate({ location: BERLIN }), same);
  t.ok(risk.flags.includes('impossible_travel'), 'zero elapsed time and a positive distance');
  t.match(risk.reasons.find((r) => r.flag === 'impossible_travel')?.message, /at the same time as activity in France/);
  const later = [past({ location: PARIS, lastActiveAt: hoursAfter(1) })];
  t.ok(assessRisk(candidate({ location: BERLIN }), later).flags.includes('impossible_travel'), 'negative elapsed time');
  t.notOk(assessRisk(candidate({ location: PARIS }), same).flags.includes('impossible_travel'), 'same place, same time');
});

// Ten sign-ins at 09:xx Paris time on different days, plus scattered ones.
function routine(count: number, hourUtc = 7): RiskHistoryItem[] {
  return Array.from({ length: count }, (_, day) =>
    past({ createdAt: new Date(Date.UTC(2024, 4, day + 1, hourUtc, 15)), lastActiveAt: hoursAfter(-100 - day) }),
  );
}

t.test('unusual_hour', async (t) => {
  const atParisHour = (hour: number) => candidate({ at: new Date(Date.UTC(2024, 5, 3, hour - 2, 30)) });
  const history = routine(10); // 07:15 UTC = 09:15 in Paris (summer time)
  const risk = assessRisk(atParisHour(3), history);
  t.same(risk.flags, ['unusual_hour']);
  t.equal(
    risk.reasons[0]?.message,
    'Signed in at 03:00 local time; this account usually signs in around 09:00–09:59 (hours seen at least twice in 10 past sign-ins).',
  );
  t.same(assessRisk(atParisHour(11), history).flags, [], 'two hours away is within the tolerance');
  t.same(assessRisk(atParisHour(7), history).flags, [], 'two hours before as well');
  t.same(assessRisk(atParisHour(12), history).flags, ['unusual_hour'], 'three hours away is not');
  t.same(assessRisk(atParisHour(12), history, { unusualHourToleranceHours: 3 }).flags, [], 'the tolerance is an option');

  t.same(assessRisk(atParisHour(3), routine(9)).flags, [], 'not with only 9 past sign-ins');
  t.same(assessRisk(atParisHour(3), routine(9), { unusualHourMinHistory: 9 }).flags, ['unusual_hour'], 'the minimum is an option');
  const withoutZones = routine(10).map((h) => ({ ...h, location: { ...PARIS, timeZone: null } }));
  t.same(assessRisk(atParisHour(3), withoutZones).flags, [], 'history without time zones does not count');
  t.same(
    assessRisk(candidate({ at: hoursAfter(-6), location: { ...PARIS, timeZone: null } }), history).flags,
    [],
    'nor a candidate without one',
  );
});

t.test('unusual_hour uses each sign-in its own local time, around the clock', async (t) => {
  // 09:15 in Paris, every day; the same person at 09:30 in Tokyo is at a usual hour.
  const inTokyo = candidate({ at: new Date(Date.UTC(2024, 5, 3, 0, 30)), location: TOKYO });
  t.notOk(assessRisk(inTokyo, routine(10)).flags.includes('unusual_hour'));
  // Usual hour 23:xx Paris (21:15 UTC); 01:00 is two hours away across midnight.
  const lateRoutine = routine(10, 21);
  t.same(assessRisk(candidate({ at: new Date(Date.UTC(2024, 5, 2, 23, 10)) }), lateRoutine).flags, [], '01:10 vs 23:15');
  t.same(assessRisk(candidate({ at: new Date(Date.UTC(2024, 5, 3, 0, 10)) }), lateRoutine).flags, ['unusual_hour'], '02:10 vs 23:15');
  const unknownZone = candidate({ at: hoursAfter(-6), location: { ...PARIS, timeZone: 'Mars/Olympus_Mons' } });
  t.same(assessRisk(unknownZone, routine(10)).flags, [], 'an unknown time zone is ignored, not thrown on');
});

t.test('unusual_hour needs a pattern: scattered hours are never unusual', async (t) => {
  const scattered = Array.from({ length: 20 }, (_, i) => past({ createdAt: new Date(Date.UTC(2024, 4, i + 1, i, 0)) }));
  t.same(assessRisk(candidate({ at: new Date(Date.UTC(2024, 5, 3, 1, 0)) }), scattered).flags, []);
});

t.test('bot, and flags in RISK_FLAGS order without duplicates', async (t) => {
  t.same(assessRisk(candidate({ isBot: true }), []).flags, ['bot'], 'even on a first sign-in');
  const history = [...routine(10), past({ location: BERLIN, endedAt: null, lastActiveAt: T0 })];
  const risk = assessRisk(candidate({ location: TOKYO, deviceKey: 'bot|||googlebot', isBot: true, at: hoursAfter(1) }), history);
  t.same(risk.flags, ['new_country', 'new_device', 'concurrent_countries', 'impossible_travel', 'unusual_hour', 'bot']);
  t.same(
    risk.reasons.map((r) => r.flag),
    risk.flags,
  );
  t.ok(
    risk.reasons.every((r) => r.message.length > 10 && r.message.endsWith('.')),
    'every reason is a sentence',
  );
});

t.test('what a past session teaches: its device and country unless it says they are not known', async (t) => {
  const unknownPhone = past({ deviceKey: 'app|ios|immich|', location: BERLIN, deviceKnown: false, countryKnown: false });
  t.same(
    assessRisk(candidate({ deviceKey: 'app|ios|immich|', location: BERLIN }), [past(), unknownPhone]).flags,
    ['new_country', 'new_device'],
    'seen, not known: flagged again',
  );
  const knownPhone = { ...unknownPhone, deviceKnown: true, countryKnown: true };
  t.same(assessRisk(candidate({ deviceKey: 'app|ios|immich|', location: BERLIN }), [past(), knownPhone]).flags, [], 'known: no flag');
  t.same(
    assessRisk(candidate(), [past({ countryKnown: false })]).flags,
    ['new_country'],
    'a country seen only where it was not known is still new',
  );
  t.same(assessRisk(candidate(), [past({ deviceKnown: false })]).flags, ['new_device']);
  t.same(
    assessRisk(candidate({ location: BERLIN }), [past({ location: null, deviceKnown: false })]).flags,
    ['new_device'],
    'no located history: no new_country',
  );
});
