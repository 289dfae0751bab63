import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { asnCachePath, loadAsnTable } from '../../src/enrich/geo/asn-cache.js';
import { buildAsnTable, decodeAsnTable } from '../../src/enrich/geo/asn-table.js';
import { BUNDLED_ASN, BUNDLED_CITY_DBS, bundledAsnTable, openGeoLookup } from '../../src/enrich/geo/index.js';
import { writeMaxMindAsn } from '../support/geo-files.js';
import { recordingLogger } from '../support/geo-log.js';

t.test('the bundled ASN lists: IPv4 and IPv6 owners', async (t) => {
  const dir = t.testdir({});
  const geo = await openGeoLookup({
    cityDbPaths: BUNDLED_CITY_DBS,
    asnTable: bundledAsnTable(dir),
    logger: recordingLogger().logger,
    watch: false,
  });
  t.teardown(() => geo.close());
  // Answers read from the bundled lists (build of 2026-06-17).
  t.same(geo.network?.('8.8.8.8'), { asn: 15169, organization: 'Google LLC' });
  t.same(geo.network?.('1.1.1.1'), { asn: 13335, organization: 'Cloudflare, Inc.' }, 'a quoted name with a comma');
  t.same(geo.network?.('81.2.69.142'), { asn: 20712, organization: 'Andrews & Arnold Ltd' });
  t.same(geo.network?.('2001:4860:4860::8888'), { asn: 15169, organization: 'Google LLC' });
  t.same(geo.network?.('2606:4700:4700::1111'), { asn: 13335, organization: 'Cloudflare, Inc.' });
  t.same(geo.network?.('2A00:1450:4001:80B::200E'), { asn: 15169, organization: 'Google LLC' }, 'any textual form');
  t.same(geo.network?.('::ffff:8.8.8.8'), { asn: 15169, organization: 'Google LLC' }, 'IPv4-mapped as IPv4');
  t.equal(geo.lookup('8.8.8.8')?.asOrganization, 'Google LLC', 'location.asOrganization from the same lists');
  t.equal(geo.network?.('10.0.0.1'), null, 'private');
  t.equal(geo.network?.('2001:db8::1'), null, 'documentation');
  t.match(geo.status().databases.at(-1), {
    database: 'asn',
    file: `@ip-location-db/asn@${BUNDLED_ASN.version}`,
    layout: 'ip-location-db',
    buildEpoch: '2026-06-17T19:00:00.000Z',
    inUse: true,
    error: null,
  });
  t.ok(existsSync(asnCachePath(dir, BUNDLED_ASN.version)), 'the compiled table is cached');
});

t.test('ranges, gaps, overlaps and quoting in the CSV lists', async (t) => {
  const dir = t.testdir({
    'v4.csv': [
      '16777216,16777471,13335,"Cloudflare, Inc."', // 1.0.0.0–1.0.0.255
      '16778240,16779263,38803,Gtelecom Pty Ltd', // 1.0.4.0–1.0.7.255
      '16779264,16779519,38803,Gtelecom Pty Ltd', // 1.0.8.0–1.0.8.255, adjacent and equal: merged
      '35309568,35313663,201907,"LLC ""SPUTNIK"""', // 2.26.200.0–2.26.215.255
      '35313000,35315000,64500,Overlapping Later Row', // starts inside the row above
      '4294967040,4294967295,64501,Last Block', // 255.255.255.0–255.255.255.255
    ].join('\n'),
    'v6.csv': [
      '2001::,2001::ffff:ffff:ffff:ffff:ffff:ffff,6939,Hurricane Electric LLC',
      '2001:200::,2001:200:1b9:ffff:ffff:ffff:ffff:ffff,2500,WIDE Project',
      'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00,ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff,64502,Top',
      'not,a,valid,row',
    ].join('\r\n'),
  });
  const table = buildAsnTable(join(dir, 'v4.csv'), join(dir, 'v6.csv'));
  const cases: Array<[string, number | null, string | null]> = [
    ['0.255.255.255', null, null],
    ['1.0.0.0', 13335, 'Cloudflare, Inc.'],
    ['1.0.0.255', 13335, 'Cloudflare, Inc.'],
    ['1.0.1.0', null, null],
    ['1.0.4.0', 38803, 'Gtelecom Pty Ltd'],
    ['1.0.8.255', 38803, 'Gtelecom Pty Ltd'],
    ['1.0.9.0', null, null],
    ['2.26.215.255', 201907, 'LLC "SPUTNIK"'],
    ['2.26.216.0', 64500, 'Overlapping Later Row'],
    ['2.26.223.232', null, null],
    ['255.255.254.255', null, null],
    ['255.255.255.255', 64501, 'Last Block'],
    ['2000:ffff::1', null, null],
    ['2001::', 6939, 'Hurricane Electric LLC'],
    ['2001:0:ffff:ffff:ffff:ffff:ffff:ffff', 6939, 'Hurricane Electric LLC'],
    ['2001:1::', null, null],
    ['2001:200:1b9::1', 2500, 'WIDE Project'],
    ['2001:200:1ba::', null, null],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:feff', null, null],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 64502, 'Top'],
  ];
  for (const [ip, asn, organization] of cases) {
    t.same(table.lookup(ip), asn === null ? null : { asn, organization }, ip);
  }
  t.same(table.counts, { v4: 8, v6: 5, pairs: 8, organizations: 8 }, 'boundaries with gaps; equal neighbours merged');
  const decoded = decodeAsnTable(Buffer.from(table.bytes));
  for (const [ip] of cases) t.same(decoded.lookup(ip), table.lookup(ip), `${ip}: the same after a round trip through the cache format`);
  t.throws(() => decodeAsnTable(table.bytes.subarray(0, table.bytes.length - 3)), /length|truncated/, 'a cut table is refused');
  t.throws(() => decodeAsnTable(Buffer.from('not a table at all')), /not an ASN table/);
});

t.test('the compiled table is cached by package version and rebuilt when it cannot be used', async (t) => {
  const dir = t.testdir({
    'v4.csv': '16777216,16777471,13335,"Cloudflare, Inc."\n',
    'v6.csv': '2001::,2001::ffff:ffff:ffff:ffff:ffff:ffff,6939,Hurricane Electric LLC\n',
  });
  const cache = join(dir, 'cache');
  const source = { version: '2.3.2026061719', ipv4Csv: join(dir, 'v4.csv'), ipv6Csv: join(dir, 'v6.csv') };
  const built = (log: ReturnType<typeof recordingLogger>) => log.lines.filter((l) => l.msg === 'ASN table built and cached').length;

  const first = recordingLogger();
  t.same((await loadAsnTable(cache, source, first.logger)).lookup('1.0.0.1'), { asn: 13335, organization: 'Cloudflare, Inc.' });
  t.equal(built(first), 1, 'built on first use');
  const path = asnCachePath(cache, source.version);
  const mtime = statSync(path).mtimeMs;

  const second = recordingLogger();
  t.same((await loadAsnTable(cache, source, second.logger)).lookup('2001::1'), { asn: 6939, organization: 'Hurricane Electric LLC' });
  t.equal(built(second), 0, 'read from the cache the next time');
  t.equal(statSync(path).mtimeMs, mtime);

  const next = { ...source, version: '2.3.2026070100' };
  const third = recordingLogger();
  await loadAsnTable(cache, next, third.logger);
  t.equal(built(third), 1, 'a new package version builds again');
  t.same(readdirSync(cache), [`asn-${next.version}.table`], 'and removes the table of the old version');

  writeFileSync(asnCachePath(cache, next.version), 'damaged');
  const fourth = recordingLogger();
  t.same((await loadAsnTable(cache, next, fourth.logger)).lookup('1.0.0.1')?.asn, 13335);
  t.match(fourth.warnings()[0], { msg: /unreadable; rebuilding/ }, 'a damaged cache is rebuilt');

  // A cache directory that cannot be created (a file stands where its parent should be).
  writeFileSync(join(dir, 'placeholder'), '');
  const fifth = recordingLogger();
  t.same(
    (await loadAsnTable(join(dir, 'placeholder', 'cache'), source, fifth.logger)).lookup('1.0.0.1')?.asn,
    13335,
    'an unwritable cache directory still gives a table',
  );
  t.match(fifth.warnings()[0], { msg: /not cached/ });
});

t.test('GEOIP_ASN_DB: a MaxMind ASN database overrides the bundled lists', async (t) => {
  const dir = t.testdir({});
  const path = join(dir, 'GeoLite2-ASN.mmdb');
  writeMaxMindAsn(path, [
    { network: '8.8.8.0/24', asn: 15169, organization: 'Google LLC (MaxMind)' },
    { network: '2a00:1450::/32', asn: 15169, organization: 'Google LLC (MaxMind)' },
  ]);
  const geo = await openGeoLookup({ cityDbPaths: BUNDLED_CITY_DBS, asnDbPath: path, logger: recordingLogger().logger, watch: false });
  t.teardown(() => geo.close());
  t.same(geo.network?.('8.8.8.8'), { asn: 15169, organization: 'Google LLC (MaxMind)' });
  t.same(geo.network?.('2a00:1450:4001:80b::200e'), { asn: 15169, organization: 'Google LLC (MaxMind)' });
  t.equal(geo.network?.('1.1.1.1'), null, 'what the file does not hold is unknown');
  t.equal(geo.lookup('8.8.8.8')?.asOrganization, 'Google LLC (MaxMind)');
  t.match(
    geo.status().databases.find((d) => d.database === 'asn'),
    { file: 'GeoLite2-ASN.mmdb', databaseType: 'GeoLite2-ASN', buildEpoch: '2026-06-16T10:00:00.000Z', inUse: true },
  );
});
