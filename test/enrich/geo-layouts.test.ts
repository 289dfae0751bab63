import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Reader } from 'maxmind';
import t from 'tap';
import { BUNDLED_CITY_DBS, openGeoLookup } from '../../src/enrich/geo/index.js';
import { FALLBACK_RADIUS_KM, fromIpLocationDbCity, fromMaxMindCity } from '../../src/enrich/geo/layouts.js';
import type { Location } from '../../src/enrich/types.js';
import { assessRisk, type RiskHistoryItem } from '../../src/risk/assess.js';
import { writeMaxMindCity, type CityEntry } from '../support/geo-files.js';
import { recordingLogger } from '../support/geo-log.js';

const ADDRESSES = [
  '8.8.8.8',
  '81.2.69.142',
  '89.160.20.112',
  '2.125.160.216',
  '175.16.199.1',
  '216.160.83.56',
  '185.60.216.35',
  '200.160.2.3',
  '203.2.218.214',
  '133.11.0.1',
  '193.0.6.139',
  '41.0.0.1',
  '77.88.8.8',
  '172.179.82.46',
  '2a00:1450:4001:80b::200e',
  '2001:218::1',
  '2001:4860:4860::8888',
  '2001:67c:2e8::1',
  '2804:14c::1',
  '240e::1',
  '2a02:6b8::1',
];
// Country names as MaxMind's English names spell them, for the MaxMind-layout copy.
const MAXMIND_NAMES: Record<string, string> = {
  US: 'United States',
  GB: 'United Kingdom',
  SE: 'Sweden',
  CN: 'China',
  IE: 'Ireland',
  BR: 'Brazil',
  AU: 'Australia',
  JP: 'Japan',
  NL: 'Netherlands',
  ZA: 'South Africa',
  RU: 'Russia',
  DE: 'Germany',
};

/**
 * A MaxMind-layout City file holding, for each address, the network and record the bundled
 * ip-location-db files give it: the same GeoLite2 data in the other layout.
 */
function maxMindCopyOfBundled(path: string): void {
  const readers = BUNDLED_CITY_DBS.map((file) => new Reader<Record<string, any>>(readFileSync(file)));
  const entries: CityEntry[] = ADDRESSES.map((ip) => {
    const [record, prefix] = readers[ip.includes(':') ? 1 : 0].getWithPrefixLength(ip);
    if (!record) throw new Error(`no record for ${ip}`);
    const base = ip.includes(':') ? ip : ip.split('.').slice(0, 4).join('.');
    return {
      network: `${base}/${prefix}`,
      countryCode: record.country_code,
      country: MAXMIND_NAMES[record.country_code] ?? `missing name for ${record.country_code}`,
      region: record.state1 || undefined,
      city: record.city || undefined,
      latitude: Math.round(record.latitude * 1e4) / 1e4,
      longitude: Math.round(record.longitude * 1e4) / 1e4,
      radiusKm: 50,
      timeZone: record.timezone || undefined,
    };
  });
  writeMaxMindCity(path, entries);
}

t.test('both layouts resolve the same addresses to the same places', async (t) => {
  const dir = t.testdir({});
  const maxmindPath = join(dir, 'GeoLite2-City.mmdb');
  maxMindCopyOfBundled(maxmindPath);
  const flat = await openGeoLookup({ cityDbPaths: BUNDLED_CITY_DBS, logger: recordingLogger().logger, watch: false });
  const nested = await openGeoLookup({ cityDbPaths: [maxmindPath], logger: recordingLogger().logger, watch: false });
  t.teardown(async () => {
    await flat.close();
    await nested.close();
  });
  t.equal(nested.status().databases[0].layout, 'maxmind', 'detected from databaseType GeoLite2-City');
  t.equal(flat.status().databases[0].layout, 'ip-location-db', 'detected from databaseType "city ipv4"');
  const countries = new Set<string>();
  for (const ip of ADDRESSES) {
    const a = flat.lookup(ip) as Location;
    const b = nested.lookup(ip) as Location;
    t.ok(a?.countryCode, `${ip}: located`);
    countries.add(a.countryCode as string);
    const { accuracyRadiusKm: radiusA, ...restA } = a;
    const { accuracyRadiusKm: radiusB, ...restB } = b;
    t.same(restA, restB, `${ip}: ${a.countryCode} ${a.city ?? a.region ?? ''} through either layout`);
    t.equal(radiusB, 50, `${ip}: MaxMind's stated radius is kept`);
    t.ok(
      radiusA === FALLBACK_RADIUS_KM.city || radiusA === FALLBACK_RADIUS_KM.region || radiusA === FALLBACK_RADIUS_KM.country,
      `${ip}: the flat layout gets a stated radius`,
    );
  }
  t.ok(countries.size >= 10, `${countries.size} countries compared`);
});

t.test('the radius rule: by what the position names, when the data states none', async (t) => {
  const geo = await openGeoLookup({ cityDbPaths: BUNDLED_CITY_DBS, logger: recordingLogger().logger, watch: false });
  t.teardown(() => geo.close());
  t.same(FALLBACK_RADIUS_KM, { city: 500, region: 1000, country: 2500 });
  t.match(geo.lookup('216.160.83.56'), { city: 'Tacoma', accuracyRadiusKm: 500 }, 'a city');
  t.match(geo.lookup('172.179.82.46'), { region: 'Washington', city: null, accuracyRadiusKm: 1000 }, 'a region without a city');
  t.match(geo.lookup('8.8.8.8'), { region: null, city: null, accuracyRadiusKm: 2500 }, 'a country centroid');

  t.equal(
    fromIpLocationDbCity({ country_code: 'FR', city: '', state1: '', latitude: Number.NaN, longitude: 2 })?.accuracyRadiusKm,
    null,
    'no position, no radius',
  );
  t.equal(fromIpLocationDbCity({ country_code: '', city: 'Nowhere' }), null, 'no country, no location');
  const maxmind = (location: Record<string, unknown>, city?: string) =>
    fromMaxMindCity({
      country: { geoname_id: 1, iso_code: 'FR', names: { en: 'France' } },
      city: city ? { geoname_id: 2, names: { en: city } } : undefined,
      location,
    } as never);
  t.equal(maxmind({ latitude: 48.85, longitude: 2.35, accuracy_radius: 20 }, 'Paris')?.accuracyRadiusKm, 20, 'MaxMind: the stated radius');
  t.equal(maxmind({ latitude: 48.85, longitude: 2.35 }, 'Paris')?.accuracyRadiusKm, 500, 'MaxMind without a radius: the same rule (city)');
  t.equal(maxmind({ latitude: 46, longitude: 2 })?.accuracyRadiusKm, 2500, 'MaxMind without a radius: the same rule (country)');
});

t.test('impossible travel stays honest with stated radii', async (t) => {
  const geo = await openGeoLookup({ cityDbPaths: BUNDLED_CITY_DBS, logger: recordingLogger().logger, watch: false });
  t.teardown(() => geo.close());
  const at = new Date('2026-06-20T12:00:00Z');
  const earlier = (ip: string): RiskHistoryItem => ({
    id: 'previous',
    createdAt: new Date(at.getTime() - 3_600_000),
    lastActiveAt: new Date(at.getTime() - 1_800_000),
    endedAt: new Date(at.getTime() - 1_800_000),
    deviceKey: 'd',
    location: geo.lookup(ip),
  });
  const tacoma = geo.lookup('216.160.83.56');
  // Google's address is placed at the centre of the United States, about 2,300 km from Tacoma.
  const sameCountry = assessRisk({ at, deviceKey: 'd', isBot: false, location: tacoma }, [earlier('8.8.8.8')]);
  t.notOk(sameCountry.flags.includes('impossible_travel'), 'a country centroid does not make a trip inside the country impossible');
  const withoutRadii = assessRisk({ at, deviceKey: 'd', isBot: false, location: { ...tacoma!, accuracyRadiusKm: null } }, [
    { ...earlier('8.8.8.8'), location: { ...geo.lookup('8.8.8.8')!, accuracyRadiusKm: null } },
  ]);
  t.ok(withoutRadii.flags.includes('impossible_travel'), 'the same pair without radii would have been flagged');
  const abroad = assessRisk({ at, deviceKey: 'd', isBot: false, location: tacoma }, [earlier('2a00:1450:4001:80b::200e')]);
  t.ok(abroad.flags.includes('impossible_travel'), 'Frankfurt then Tacoma half an hour later is still flagged');
});

t.test('fromMaxMindCity uses what a record has', async (t) => {
  const names = (en: string) => ({ en });
  t.same(
    fromMaxMindCity({ registered_country: { geoname_id: 1, iso_code: 'FR', names: names('France') } }),
    {
      countryCode: 'FR',
      country: 'France',
      flag: '🇫🇷',
      region: null,
      city: null,
      latitude: null,
      longitude: null,
      accuracyRadiusKm: null,
      timeZone: null,
    },
    'registered country only',
  );
  t.same(
    fromMaxMindCity({
      continent: { code: 'EU', geoname_id: 6255148, names: names('Europe') },
      location: { accuracy_radius: 500, latitude: 47, longitude: 8 },
    }),
    {
      countryCode: null,
      country: 'Europe',
      flag: null,
      region: null,
      city: null,
      latitude: 47,
      longitude: 8,
      accuracyRadiusKm: 500,
      timeZone: null,
    },
    'continent only',
  );
  t.equal(fromMaxMindCity({}), null, 'nothing known');
});
