import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { ASN_TYPE, CITY_TYPE } from '../../src/enrich/geo/database.js';
import { openGeoLookup } from '../../src/enrich/geo/index.js';
import { createGeoUpdater, releaseName, type GeoEdition } from '../../src/enrich/geo/updater.js';
import { maxMindArchive, writeMaxMindAsn, writeMaxMindCity, writeMaxMindCountry, type CityEntry } from '../support/geo-files.js';
import { recordingLogger } from '../support/geo-log.js';
import { ACCOUNT_ID, LICENSE_KEY, startMaxMindServer } from '../support/maxmind-server.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const place = (city: string): CityEntry => ({
  network: '81.2.69.0/24',
  countryCode: 'GB',
  country: 'United Kingdom',
  region: 'England',
  city,
  latitude: 51.5,
  longitude: -0.1,
  radiusKm: 10,
  timeZone: 'Europe/London',
});

/** A City database as MaxMind ships it, in an archive named for `day`. */
async function cityArchive(
  dir: string,
  day: string,
  city: string,
  buildEpoch = new Date(`${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6)}T08:00:00Z`),
): Promise<Buffer> {
  const file = join(dir, `build-${day}-${city}.mmdb`);
  writeMaxMindCity(file, [place(city)], { buildEpoch });
  return maxMindArchive('GeoLite2-City', day, {
    'GeoLite2-City.mmdb': readFileSync(file),
    'LICENSE.txt': 'CC BY-SA 4.0',
    'COPYRIGHT.txt': 'MaxMind',
  });
}

/** A server, a lookup whose primary City file the updater keeps (a small fallback serving meanwhile), and the updater. */
async function setup(t: Test, options: { now?: () => number; credentials?: [string, string]; asn?: boolean } = {}) {
  const dir = t.testdir({});
  const server = await startMaxMindServer();
  t.teardown(() => server.close());
  const fallback = join(dir, 'fallback.mmdb');
  writeMaxMindCity(fallback, [place('Fallbackton')]);
  const city: GeoEdition = { database: 'city', edition: 'GeoLite2-City', path: join(dir, 'GeoLite2-City.mmdb'), expected: CITY_TYPE };
  const asn: GeoEdition = { database: 'asn', edition: 'GeoLite2-ASN', path: join(dir, 'GeoLite2-ASN.mmdb'), expected: ASN_TYPE };
  const log = recordingLogger();
  const geo = await openGeoLookup({
    cityDbPaths: [city.path],
    cityFallbackPaths: [fallback],
    asnDbPath: options.asn ? asn.path : null,
    logger: log.logger,
    watch: false,
  });
  const outcomes: string[] = [];
  const updater = createGeoUpdater({
    baseUrl: server.url,
    accountId: options.credentials?.[0] ?? ACCOUNT_ID,
    licenseKey: options.credentials?.[1] ?? LICENSE_KEY,
    editions: options.asn ? [city, asn] : [city],
    intervalMs: DAY,
    logger: log.logger,
    onReplaced: () => geo.reload?.() ?? Promise.resolve(),
    loadedBuild: (path) => geo.status().databases.find((d) => d.inUse && d.file === path.split('/').at(-1))?.buildEpoch ?? null,
    onOutcome: (database, outcome) => outcomes.push(`${database}:${outcome}`),
    now: options.now,
  });
  t.teardown(async () => {
    await updater.close();
    await geo.close();
  });
  const leftovers = () => readdirSync(dir).filter((name) => name.includes('.tmp') || /\.[0-9a-f]{8}\.(tar\.gz|mmdb)$/.test(name));
  return { dir, server, geo, updater, city, asn, log, outcomes, leftovers };
}

t.test('releaseName reads the file name MaxMind gives', async (t) => {
  t.equal(releaseName('attachment; filename=GeoLite2-City_20260616.tar.gz'), 'GeoLite2-City_20260616');
  t.equal(releaseName('attachment; filename="GeoIP2-City_20260616.tar.gz"'), 'GeoIP2-City_20260616');
  t.equal(releaseName(null), null);
  t.equal(releaseName('attachment; filename=../../etc/passwd'), null);
});

t.test('success: downloaded, verified, swapped in; the same release is not downloaded again', async (t) => {
  const s = await setup(t);
  t.equal(s.geo.lookup('81.2.69.142')?.city, 'Fallbackton', 'the fallback serves before the first download');
  s.server.releases.set('GeoLite2-City', { day: '20260616', archive: await cityArchive(s.dir, '20260616', 'First Release') });

  t.same(await s.updater.checkNow(), ['updated']);
  t.equal(s.geo.lookup('81.2.69.142')?.city, 'First Release', 'the downloaded file serves');
  t.match(s.geo.status().databases, [
    {
      file: 'GeoLite2-City.mmdb',
      layout: 'maxmind',
      databaseType: 'GeoLite2-City',
      buildEpoch: '2026-06-16T08:00:00.000Z',
      inUse: true,
      error: null,
    },
  ]);
  t.match(s.updater.status(), [{ edition: 'GeoLite2-City', release: 'GeoLite2-City_20260616', lastError: null }]);
  t.ok(
    s.server.requests.filter((r) => r.path.startsWith('/geoip/')).every((r) => r.authorized),
    'credentials sent as basic auth',
  );
  const storage = s.server.requests.filter((r) => r.path.startsWith('/presigned/'));
  t.ok(storage.length >= 3 && storage.every((r) => !r.authorized), 'and never to the storage the downloads redirect to');
  t.same(s.leftovers(), [], 'no temporary file left');
  const mtime = statSync(s.city.path).mtimeMs;

  const before = s.server.requests.length;
  t.same(await s.updater.checkNow(), ['current']);
  const again = s.server.requests.slice(before);
  t.ok(
    again.every((r) => r.method === 'HEAD'),
    'a HEAD request told it: no checksum, no archive downloaded',
  );
  t.equal(statSync(s.city.path).mtimeMs, mtime, 'the file is untouched');

  s.server.releases.set('GeoLite2-City', { day: '20260619', archive: await cityArchive(s.dir, '20260619', 'Second Release') });
  t.same(await s.updater.checkNow(), ['updated'], 'a new release is downloaded');
  t.equal(s.geo.lookup('81.2.69.142')?.city, 'Second Release');
  t.same(s.outcomes, ['city:updated', 'city:current', 'city:updated']);
});

t.test('City and ASN editions are kept side by side', async (t) => {
  const s = await setup(t, { asn: true });
  s.server.releases.set('GeoLite2-City', { day: '20260616', archive: await cityArchive(s.dir, '20260616', 'Cityville') });
  const asnFile = join(s.dir, 'build-asn.mmdb');
  writeMaxMindAsn(asnFile, [{ network: '81.2.69.0/24', asn: 20712, organization: 'Andrews & Arnold Ltd' }]);
  s.server.releases.set('GeoLite2-ASN', {
    day: '20260616',
    archive: await maxMindArchive('GeoLite2-ASN', '20260616', { 'GeoLite2-ASN.mmdb': readFileSync(asnFile) }),
  });
  t.same(await s.updater.checkNow(), ['updated', 'updated']);
  t.same(s.geo.network?.('81.2.69.142'), { asn: 20712, organization: 'Andrews & Arnold Ltd' });
  t.equal(s.geo.lookup('81.2.69.142')?.asOrganization, 'Andrews & Arnold Ltd');
});

t.test('every bad download keeps the previous file and leaves nothing behind', async (t) => {
  const s = await setup(t);
  s.server.releases.set('GeoLite2-City', { day: '20260616', archive: await cityArchive(s.dir, '20260616', 'Good Release') });
  t.same(await s.updater.checkNow(), ['updated']);
  const good = readFileSync(s.city.path);
  const newer = await cityArchive(s.dir, '20260619', 'Bad Release');
  const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

  const countryFile = join(s.dir, 'country.mmdb');
  writeMaxMindCountry(countryFile);
  const cases: Array<[string, () => Promise<void> | void, RegExp]> = [
    [
      'a corrupt archive',
      () => {
        const garbage = Buffer.from('this is not an archive at all'.repeat(50));
        s.server.releases.set('GeoLite2-City', { day: '20260619', archive: garbage });
      },
      /not gzip-compressed/,
    ],
    [
      'a truncated archive (whose checksum matches)',
      () => {
        const cut = newer.subarray(0, Math.floor(newer.length / 2));
        s.server.releases.set('GeoLite2-City', { day: '20260619', archive: cut, checksum: sha(cut) });
      },
      /archive is damaged \(zlib: unexpected end of file\)/,
    ],
    [
      'a download that breaks off',
      () => {
        s.server.releases.set('GeoLite2-City', { day: '20260619', archive: newer });
        s.server.fault.cutAfterBytes = Math.floor(newer.length / 2);
      },
      /archive download broke off/,
    ],
    [
      'a wrong checksum',
      () => {
        s.server.fault.cutAfterBytes = undefined;
        s.server.releases.set('GeoLite2-City', { day: '20260619', archive: newer, checksum: sha(Buffer.from('something else')) });
      },
      /does not match its checksum/,
    ],
    [
      'a checksum file that is not one',
      () => {
        s.server.releases.set('GeoLite2-City', { day: '20260619', archive: newer, checksum: 'not-a-checksum' });
      },
      /checksum file does not start with a SHA-256/,
    ],
    [
      'an archive without the database',
      async () => {
        const archive = await maxMindArchive('GeoLite2-City', '20260619', { 'README.txt': 'no database here' });
        s.server.releases.set('GeoLite2-City', { day: '20260619', archive });
      },
      /holds no GeoLite2-City\.mmdb/,
    ],
    [
      'a database of the wrong type',
      async () => {
        const archive = await maxMindArchive('GeoLite2-City', '20260619', { 'GeoLite2-City.mmdb': readFileSync(countryFile) });
        s.server.releases.set('GeoLite2-City', { day: '20260619', archive });
      },
      /wrong database type "GeoLite2-Country"/,
    ],
    [
      'a damaged database in a good archive',
      async () => {
        const archive = await maxMindArchive('GeoLite2-City', '20260619', { 'GeoLite2-City.mmdb': Buffer.from('not a database') });
        s.server.releases.set('GeoLite2-City', { day: '20260619', archive });
      },
      /unusable: not a MaxMind DB file/,
    ],
  ];
  for (const [name, arrange, reason] of cases) {
    await arrange();
    t.same(await s.updater.checkNow(), ['failed'], `${name}: failed`);
    t.match(s.updater.status()[0].lastError, reason, `${name}: the reason`);
    t.ok(readFileSync(s.city.path).equals(good), `${name}: the previous file is in place`);
    t.equal(s.geo.lookup('81.2.69.142')?.city, 'Good Release', `${name}: and still serves`);
    t.same(s.leftovers(), [], `${name}: no temporary file left`);
    t.match(s.log.warnings().at(-1), { msg: /previous database stays in use/, obj: { keptPrevious: true } });
  }
  s.server.releases.set('GeoLite2-City', { day: '20260619', archive: newer });
  t.same(await s.updater.checkNow(), ['updated'], 'a good archive afterwards is taken');
  t.equal(s.geo.lookup('81.2.69.142')?.city, 'Bad Release');
});

t.test('401: the credentials are refused; no retry before the next interval', async (t) => {
  const now = Date.parse('2026-06-20T12:00:00Z');
  const s = await setup(t, { now: () => now, credentials: [ACCOUNT_ID, 'wrong_license_key_000'] });
  s.server.releases.set('GeoLite2-City', { day: '20260616', archive: await cityArchive(s.dir, '20260616', 'Unreachable') });
  t.same(await s.updater.checkNow(), ['failed']);
  const status = s.updater.status()[0];
  t.match(status.lastError, /refused the account id or license key \(HTTP 401\)/);
  t.equal(status.nextCheckAt, new Date(now + DAY).toISOString());
  t.equal(s.geo.lookup('81.2.69.142')?.city, 'Fallbackton', 'the fallback keeps serving');
  t.notOk(existsSync(s.city.path));
  t.notOk(JSON.stringify(s.log.lines).includes('wrong_license_key'), 'the key is never logged');
});

t.test('429: waits as long as Retry-After says; other failures back off, doubling', async (t) => {
  const now = Date.parse('2026-06-20T12:00:00Z');
  const s = await setup(t, { now: () => now });
  s.server.releases.set('GeoLite2-City', { day: '20260616', archive: await cityArchive(s.dir, '20260616', 'Later') });
  s.server.fault.status = 429;
  s.server.fault.retryAfter = '7200';
  t.same(await s.updater.checkNow(), ['failed']);
  t.match(s.updater.status()[0], {
    lastError: /download limit reached \(HTTP 429\)/i,
    nextCheckAt: new Date(now + 2 * HOUR).toISOString(),
  });

  s.server.fault.status = 503;
  s.server.fault.retryAfter = undefined;
  await s.updater.checkNow();
  t.equal(s.updater.status()[0].nextCheckAt, new Date(now + 10 * 60_000).toISOString(), 'second failure in a row: 5 min × 2');
  await s.updater.checkNow();
  t.equal(s.updater.status()[0].nextCheckAt, new Date(now + 20 * 60_000).toISOString(), 'third: doubled');

  s.server.fault.status = undefined;
  t.same(await s.updater.checkNow(), ['updated']);
  t.equal(s.updater.status()[0].nextCheckAt, new Date(now + DAY).toISOString(), 'after a success: the interval');
});

t.test('start: checks at once when the file is missing, waits when it was checked within the interval', async (t) => {
  let now = Date.parse('2026-06-20T12:00:00Z');
  const s = await setup(t, { now: () => now });
  s.server.releases.set('GeoLite2-City', { day: '20260616', archive: await cityArchive(s.dir, '20260616', 'At Start') });
  await s.updater.start();
  await s.updater.checkNow();
  t.equal(s.outcomes[0], 'city:updated', 'missing: downloaded at start');

  // A restart one hour later: the sidecar says it was checked, so nothing is asked.
  now += HOUR;
  const log = recordingLogger();
  const geo = await openGeoLookup({ cityDbPaths: [s.city.path], logger: log.logger, watch: false });
  t.teardown(() => geo.close());
  const outcomes: string[] = [];
  const restarted = createGeoUpdater({
    baseUrl: s.server.url,
    accountId: ACCOUNT_ID,
    licenseKey: LICENSE_KEY,
    editions: [s.city],
    intervalMs: DAY,
    logger: log.logger,
    onReplaced: () => geo.reload?.() ?? Promise.resolve(),
    loadedBuild: () => geo.status().buildEpoch,
    onOutcome: (_d, outcome) => outcomes.push(outcome),
    now: () => now,
  });
  t.teardown(() => restarted.close());
  const before = s.server.requests.length;
  await restarted.start();
  t.equal(s.server.requests.length, before, 'no request at start');
  t.equal(restarted.status()[0].nextCheckAt, new Date(now - HOUR + DAY).toISOString(), 'next check one interval after the last');
  t.equal(restarted.status()[0].release, 'GeoLite2-City_20260616');

  writeFileSync(
    join(s.dir, '.GeoLite2-City.mmdb.json'),
    JSON.stringify({ release: 'GeoLite2-City_20260616', sha256: null, checkedAt: new Date(now - 2 * DAY).toISOString(), updatedAt: null }),
  );
  const stale = createGeoUpdater({
    baseUrl: s.server.url,
    accountId: ACCOUNT_ID,
    licenseKey: LICENSE_KEY,
    editions: [s.city],
    intervalMs: DAY,
    logger: log.logger,
    onReplaced: async () => {},
    loadedBuild: () => geo.status().buildEpoch,
    onOutcome: (_d, outcome) => outcomes.push(outcome),
    now: () => now,
  });
  t.teardown(() => stale.close());
  await stale.start();
  await stale.checkNow();
  t.same(outcomes, ['current', 'current'], 'checked longer ago than the interval: asked at start, and current');
});
