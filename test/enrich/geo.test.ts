import { copyFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import t from 'tap';
import { BUNDLED_CITY_DB, openGeoLookup, toLocation } from '../../src/enrich/geo/lookup.js';
import type { GeoLookup } from '../../src/enrich/types.js';

const BUNDLED_COUNTRY_DB: string = createRequire(import.meta.url)('geoip-database').country;

interface LogLine {
  level: 'warn' | 'info';
  obj: Record<string, unknown>;
  msg: string;
}

function recordingLogger() {
  const lines: LogLine[] = [];
  return {
    lines,
    warnings: () => lines.filter((l) => l.level === 'warn'),
    logger: {
      warn: (obj: object, msg: string) => lines.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }),
      info: (obj: object, msg: string) => lines.push({ level: 'info', obj: obj as Record<string, unknown>, msg }),
    },
  };
}

async function until(condition: () => boolean, timeoutMs = 8000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return true;
}

t.test('bundled GeoLite2 City: known answers', async (t) => {
  const geo = await openGeoLookup({ cityDbPath: BUNDLED_CITY_DB, logger: recordingLogger().logger, watch: false });
  t.teardown(() => geo.close());

  // Answers verified against the bundled database (build 2019-12-24).
  t.same(geo.lookup('8.8.8.8'), {
    countryCode: 'US', country: 'United States', flag: '🇺🇸', region: null, city: null,
    latitude: 37.751, longitude: -97.822, accuracyRadiusKm: 1000, timeZone: 'America/Chicago',
  });
  t.same(geo.lookup('81.2.69.142'), {
    countryCode: 'GB', country: 'United Kingdom', flag: '🇬🇧', region: 'England', city: 'Gamlingay',
    latitude: 52.1398, longitude: -0.2399, accuracyRadiusKm: 100, timeZone: 'Europe/London',
  });
  t.same(geo.lookup('2a00:1450:4001:80b::200e'), {
    countryCode: 'DE', country: 'Germany', flag: '🇩🇪', region: 'Hesse', city: 'Frankfurt am Main',
    latitude: 50.1188, longitude: 8.6843, accuracyRadiusKm: 100, timeZone: 'Europe/Berlin',
  });
  t.equal(geo.lookup('89.160.20.112')?.city, 'Tumba');
  t.equal(geo.lookup('2001:218::')?.countryCode, 'JP');
  t.equal(geo.lookup('::ffff:81.2.69.142')?.city, 'Gamlingay', 'IPv4-mapped IPv6 is looked up as IPv4');
  t.notOk('asOrganization' in (geo.lookup('8.8.8.8') ?? {}), 'no ASN field without an ASN database');

  t.same(geo.status(), {
    state: 'ok',
    path: BUNDLED_CITY_DB,
    databaseType: 'GeoLite2-City',
    buildEpoch: '2019-12-24T17:41:41.000Z',
    error: null,
  });
});

t.test('non-public and malformed addresses have no location', async (t) => {
  const geo = await openGeoLookup({ cityDbPath: BUNDLED_CITY_DB, logger: recordingLogger().logger, watch: false });
  t.teardown(() => geo.close());
  for (const ip of ['10.0.0.1', '192.168.1.10', '127.0.0.1', '100.64.1.1', '::1', 'fe80::1', 'fd00::1',
    '2001:db8::1', '203.0.113.5', '::ffff:10.0.0.1', '', 'not-an-ip', '8.8.8.8:53']) {
    t.equal(geo.lookup(ip), null, ip);
  }
});

t.test('an unusable database degrades the lookup instead of failing', async (t) => {
  const dir = t.testdir({ 'garbage.mmdb': 'this is not a MaxMind database at all\n'.repeat(100), 'empty.mmdb': '' });
  await writeFile(join(dir, 'city.mmdb.gz'), gzipSync(Buffer.from('not even a database')));
  const cases: Array<[string, string, RegExp]> = [
    ['missing file', join(dir, 'nope.mmdb'), /^file not found$/],
    ['corrupt file', join(dir, 'garbage.mmdb'), /not a MaxMind DB file/],
    ['empty file', join(dir, 'empty.mmdb'), /empty/],
    ['gzip file', join(dir, 'city.mmdb.gz'), /gzip/],
    ['a directory', dir, /directory/],
    ['a Country database where City is expected', BUNDLED_COUNTRY_DB, /wrong database type "GeoLite2-Country" \(a City database is expected\)/],
  ];
  for (const [name, path, reason] of cases) {
    const log = recordingLogger();
    const geo = await openGeoLookup({ cityDbPath: path, logger: log.logger, watch: false });
    const status = geo.status();
    t.equal(status.state, 'degraded', `${name}: degraded`);
    t.equal(status.path, path, `${name}: status names the file`);
    t.match(status.error, reason, `${name}: status gives the reason`);
    t.equal(status.databaseType, null);
    t.equal(geo.lookup('8.8.8.8'), null, `${name}: lookups answer null`);
    const warnings = log.warnings();
    t.equal(warnings.length, 1, `${name}: one warning`);
    t.equal(warnings[0]?.obj.path, path, `${name}: the warning names the file`);
    t.match(warnings[0]?.obj.reason, reason, `${name}: the warning gives the reason`);
    t.notOk(JSON.stringify(warnings[0]).includes('    at '), `${name}: no stack trace`);
    await geo.close();
  }
});

t.test('a bad ASN database only loses the network names', async (t) => {
  const log = recordingLogger();
  const geo = await openGeoLookup({ cityDbPath: BUNDLED_CITY_DB, asnDbPath: BUNDLED_COUNTRY_DB, logger: log.logger, watch: false });
  t.teardown(() => geo.close());
  t.equal(geo.status().state, 'ok');
  const location = geo.lookup('8.8.8.8');
  t.equal(location?.countryCode, 'US');
  t.equal(location?.asOrganization, null);
  t.match(log.warnings()[0]?.obj, { path: BUNDLED_COUNTRY_DB, reason: /an ASN database is expected/ });
});

t.test('reload keeps the previous database when the new file is bad', async (t) => {
  const dir = t.testdir({});
  const path = join(dir, 'GeoLite2-City.mmdb');
  await copyFile(BUNDLED_CITY_DB, path);
  const log = recordingLogger();
  const geo = await openGeoLookup({ cityDbPath: path, logger: log.logger, watch: false });
  t.teardown(() => geo.close());
  t.equal(geo.status().state, 'ok');

  await writeFile(path, 'corrupted by a failed download');
  await geo.reload?.();
  t.match(geo.status(), { state: 'ok', databaseType: 'GeoLite2-City', error: /not a MaxMind DB file/ }, 'still serving, error reported');
  t.equal(geo.lookup('81.2.69.142')?.countryCode, 'GB', 'the previous reader still answers');
  t.match(log.warnings().at(-1), { obj: { path, keptPrevious: true }, msg: /keeping the previous database/ });

  await copyFile(BUNDLED_COUNTRY_DB, path);
  await geo.reload?.();
  t.match(geo.status(), { state: 'ok', databaseType: 'GeoLite2-City', error: /GeoLite2-Country/ }, 'a wrong type is refused too');

  await copyFile(BUNDLED_CITY_DB, path);
  await geo.reload?.();
  t.same(geo.status().error, null, 'a valid file clears the error');
  t.equal(geo.lookup('81.2.69.142')?.city, 'Gamlingay');
});

t.test('the watcher picks up an atomic replace, and recovers from a bad one', async (t) => {
  const dir = t.testdir({});
  const path = join(dir, 'city.mmdb');
  await copyFile(BUNDLED_CITY_DB, path);
  const geo = await openGeoLookup({ cityDbPath: path, logger: recordingLogger().logger, watch: true, reloadDebounceMs: 50 });
  t.teardown(() => geo.close());

  await writeFile(join(dir, 'incoming.tmp'), 'garbage');
  await rename(join(dir, 'incoming.tmp'), path);
  t.ok(await until(() => geo.status().error !== null), 'a bad replacement is noticed');
  t.equal(geo.status().state, 'ok', 'and the previous database is kept');

  await copyFile(BUNDLED_CITY_DB, join(dir, 'incoming.tmp'));
  await rename(join(dir, 'incoming.tmp'), path);
  t.ok(await until(() => geo.status().error === null), 'a good replacement is loaded');
  t.equal(geo.lookup('8.8.8.8')?.countryCode, 'US');
});

t.test('the watcher loads a database that appears after start', async (t) => {
  const dir = t.testdir({});
  const path = join(dir, 'later.mmdb');
  const geo: GeoLookup = await openGeoLookup({ cityDbPath: path, logger: recordingLogger().logger, watch: true, reloadDebounceMs: 50 });
  t.teardown(() => geo.close());
  t.equal(geo.status().state, 'degraded');
  await copyFile(BUNDLED_CITY_DB, join(dir, 'incoming.tmp'));
  await rename(join(dir, 'incoming.tmp'), path);
  t.ok(await until(() => geo.status().state === 'ok'), 'degraded → ok without a restart');
  t.equal(geo.lookup('8.8.8.8')?.countryCode, 'US');
});

t.test('toLocation uses what a record has', async (t) => {
  const names = (en: string) => ({ en });
  t.same(
    toLocation({ registered_country: { geoname_id: 1, iso_code: 'FR', names: names('France') } }),
    { countryCode: 'FR', country: 'France', flag: '🇫🇷', region: null, city: null, latitude: null, longitude: null, accuracyRadiusKm: null, timeZone: null },
    'registered country only',
  );
  t.same(
    toLocation({ continent: { code: 'EU', geoname_id: 6255148, names: names('Europe') }, location: { accuracy_radius: 500, latitude: 47, longitude: 8 } }),
    { countryCode: null, country: 'Europe', flag: null, region: null, city: null, latitude: 47, longitude: 8, accuracyRadiusKm: 500, timeZone: null },
    'continent only',
  );
  t.equal(toLocation({}), null, 'nothing known');
});
