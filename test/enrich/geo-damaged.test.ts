import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { Reader } from 'maxmind';
import { BUNDLED_CITY_DBS } from '../../src/enrich/geo/index.js';
import { fromIpLocationDbCity, fromMaxMindCity } from '../../src/enrich/geo/layouts.js';
import { buildTestApp, call, serviceToken } from '../helper.js';

// A City file damaged inside still opens, and its records decode into whatever the damaged bytes
// say: a NUL in a time zone, a country code that is no longer one. What the registry's own data
// yields must never refuse a login: a value that is not clean is dropped, counted, and the login
// is stored without it.

const [IPV4, IPV6] = BUNDLED_CITY_DBS;

/** Offset in the file of the data record an address resolves to. */
function recordOffset(bytes: Buffer, ip: string): number {
  const reader = new Reader(bytes) as unknown as {
    metadata: { nodeCount: number; searchTreeSize: number };
    findAddressInTree(ip: string): [number | null, number];
  };
  const [pointer] = reader.findAddressInTree(ip);
  if (pointer === null) throw new Error(`${ip} is not in the file`);
  return pointer - reader.metadata.nodeCount + reader.metadata.searchTreeSize;
}

/** A copy of the bundled City files whose IPv4 file has `damage` (offset from the record of `ip` → byte) applied. */
function damagedCity(t: { teardown(fn: () => unknown): void }, ip: string, damage: Array<[number, number]>): string {
  const dir = mkdtempSync(join(tmpdir(), 'registry-geo-damaged-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const bytes = Buffer.from(readFileSync(IPV4));
  const at = recordOffset(bytes, ip);
  for (const [offset, value] of damage) bytes[at + offset] = value;
  const v4 = join(dir, 'city-ipv4.mmdb');
  const v6 = join(dir, 'city-ipv6.mmdb');
  writeFileSync(v4, bytes);
  copyFileSync(IPV6, v6);
  return `${v4},${v6}`;
}

function droppedCount(metrics: string, field: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`session_registry_geoip_values_dropped_total{field="${field}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

// The record 8.8.8.8 and 67.43.156.1 share (US, America/Chicago): its time zone string starts
// 37 bytes in; a NUL there is what PostgreSQL refuses in jsonb.
t.test('a NUL byte in a damaged time zone: the login is stored, the time zone dropped and counted', async (t) => {
  const { app } = await buildTestApp(t, { env: { GEOIP_CITY_DB: damagedCity(t, '8.8.8.8', [[40, 0]]) } });
  const token = serviceToken(app);
  for (const ip of ['8.8.8.8', '67.43.156.1']) {
    const created = await call(app, token, { method: 'POST', url: '/v1/sessions', payload: { userId: 'geo', ip } });
    t.equal(created.statusCode, 201, `login from ${ip} stored: ${created.body.slice(0, 200)}`);
    const location = created.json().session?.location;
    t.match(
      location,
      { countryCode: 'US', country: 'United States', latitude: 37.751, longitude: -97.822, timeZone: null },
      `${ip}: located, without the damaged time zone`,
    );
    const read = await call(app, token, { method: 'GET', url: `/v1/sessions/${created.json().session.id}` });
    t.equal(read.json().location.timeZone, null, 'and read back without it');
  }
  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  t.ok(droppedCount(metrics, 'timeZone') >= 2, 'each dropped time zone counted');
});

t.test('a damaged country code drops the location; the login is stored without one', async (t) => {
  // Byte 7 is the first letter of "US".
  const { app } = await buildTestApp(t, { env: { GEOIP_CITY_DB: damagedCity(t, '8.8.8.8', [[7, 0]]) } });
  const created = await call(app, serviceToken(app), { method: 'POST', url: '/v1/sessions', payload: { userId: 'geo', ip: '8.8.8.8' } });
  t.equal(created.statusCode, 201);
  t.equal(created.json().session.location, null);
  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  t.equal(droppedCount(metrics, 'countryCode'), 1, 'the dropped country code counted');
});

t.test('every value a record yields is cleaned or dropped, and each drop is reported by field', async (t) => {
  const seen: string[] = [];
  const report = (field: string) => seen.push(field);
  const flat = fromIpLocationDbCity(
    {
      country_code: 'us',
      state1: 'Tex\u0000as',
      city: 'x'.repeat(201),
      latitude: 95,
      longitude: 10,
      timezone: 'Mars/Olympus_Mons',
      postcode: '',
    },
    report,
  );
  t.same(flat, {
    countryCode: 'US',
    country: 'United States',
    flag: '🇺🇸',
    region: null,
    city: null,
    latitude: null,
    longitude: null,
    accuracyRadiusKm: null,
    timeZone: null,
  });
  t.same(seen.sort(), ['city', 'position', 'region', 'timeZone']);

  seen.length = 0;
  const nested = fromMaxMindCity(
    {
      country: { iso_code: 'D\u00e9', names: { en: 'Germ\ufffdny' } },
      city: { names: { en: '\ud800Berlin' } },
      subdivisions: [{ names: { en: ' Hesse ' } }],
      location: { latitude: 50.1, longitude: Number.POSITIVE_INFINITY, accuracy_radius: -3, time_zone: 'Europe/Berlin' },
    } as never,
    report,
  );
  t.same(
    nested,
    {
      countryCode: null,
      country: null,
      flag: null,
      region: 'Hesse',
      city: null,
      latitude: null,
      longitude: null,
      accuracyRadiusKm: null,
      timeZone: 'Europe/Berlin',
    },
    'surrounding spaces are trimmed; the rest is dropped',
  );
  t.same(seen.sort(), ['accuracyRadius', 'city', 'country', 'countryCode', 'position']);

  seen.length = 0;
  t.same(
    fromIpLocationDbCity(
      { country_code: 'FR', state1: '', city: '', latitude: 48.8566, longitude: 2.3522, timezone: 'Europe/Paris' },
      report,
    )?.timeZone,
    'Europe/Paris',
  );
  t.same(seen, [], 'clean data, empty fields included, drops nothing');
});
