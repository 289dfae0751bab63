import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { Reader } from 'maxmind';
import type { FastifyInstance } from 'fastify';
import { BUNDLED_CITY_DBS } from '../../src/enrich/geo/index.js';
import { call, serviceToken } from '../helper.js';
import { buildConfiguredApp } from './support/app.js';
import { family, iterations, SEED } from './support/family.js';
import { loop, sleep } from './support/http.js';

// The GeoIP City database is missing, not a database at all, damaged inside, or replaced (by
// garbage, by a torn write, and back) while requests run. The registry keeps serving: logins and
// heartbeats succeed with a location or with none, never a 5xx, and a good file is picked up again.
// The files are copies of the bundled data (ip-location-db layout, one file per address family),
// configured through GEOIP_CITY_DB as an operator would; the IPv4 file takes the damage.

const PUBLIC_IPS = [
  '81.2.69.142',
  '2.125.160.216',
  '89.160.20.112',
  '175.16.199.1',
  '216.160.83.56',
  '2001:218::1',
  '67.43.156.1',
  '8.8.8.8',
  '1.1.1.1',
  '185.60.216.35',
];
const [BUNDLED_IPV4, BUNDLED_IPV6] = BUNDLED_CITY_DBS;
const ORIGINAL = readFileSync(BUNDLED_IPV4);

/** GEOIP_CITY_DB for a damaged or replaced IPv4 file beside an intact copy of the IPv6 one. */
function cityFiles(dir: string, ipv4File: string): string {
  const ipv6File = path.join(dir, 'city-ipv6.mmdb');
  copyFileSync(BUNDLED_IPV6, ipv6File);
  return `${ipv4File},${ipv6File}`;
}

function workDir(t: { teardown(fn: () => unknown): void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'registry-geoip-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** File offsets of the records the test addresses resolve to: damage there is damage a lookup meets. */
function recordOffsets(): number[] {
  const reader = new Reader(ORIGINAL) as unknown as {
    metadata: { nodeCount: number; searchTreeSize: number };
    findAddressInTree(ip: string): [number | null, number];
  };
  return PUBLIC_IPS.filter((ip) => !ip.includes(':'))
    .map((ip) => reader.findAddressInTree(ip)[0])
    .filter((pointer): pointer is number => pointer !== null)
    .map((pointer) => pointer - reader.metadata.nodeCount + reader.metadata.searchTreeSize);
}

/** A location is absent or well formed, whatever the file held. */
function wellFormed(location: any): boolean {
  if (location === null) return true;
  const text = (v: unknown) => v === null || typeof v === 'string';
  const num = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v));
  return (
    (location.countryCode === null || /^[A-Z]{2}$/.test(location.countryCode)) &&
    text(location.country) &&
    text(location.flag) &&
    text(location.region) &&
    text(location.city) &&
    text(location.timeZone) &&
    num(location.latitude) &&
    num(location.longitude) &&
    num(location.accuracyRadiusKm)
  );
}

/** Logs in from an address, then moves the session to another: both go through the lookup. */
async function exercise(app: FastifyInstance, ip: string, nextIp: string): Promise<{ ok: boolean; detail: string; located: boolean }> {
  const token = serviceToken(app);
  const started = Date.now();
  const created = await call(app, token, { method: 'POST', url: '/v1/sessions', payload: { userId: 'geo', ip } });
  if (created.statusCode !== 201)
    return { ok: false, detail: `create ${created.statusCode} ${created.body.slice(0, 300)}`, located: false };
  const { session } = created.json();
  const beat = await call(app, token, { method: 'POST', url: `/v1/sessions/${session.id}/heartbeat`, payload: { ip: nextIp } });
  if (beat.statusCode !== 200) return { ok: false, detail: `heartbeat ${beat.statusCode} ${beat.body.slice(0, 300)}`, located: false };
  const view = await call(app, token, { method: 'GET', url: `/v1/sessions/${session.id}` });
  if (view.statusCode !== 200) return { ok: false, detail: `view ${view.statusCode} ${view.body.slice(0, 300)}`, located: false };
  const location = view.json().location;
  if (!wellFormed(session.location) || !wellFormed(location))
    return { ok: false, detail: `malformed location ${JSON.stringify(location)}`, located: false };
  if (Date.now() - started > 5000) return { ok: false, detail: `took ${Date.now() - started} ms`, located: false };
  return { ok: true, detail: '', located: location !== null };
}

family(
  'GeoIP database missing or not a database',
  { kind: 'fault', unit: 'checks (4 kinds of file)', timeout: 300000 },
  async (t, tally) => {
    const dir = workDir(t);
    const files: Record<string, string | null> = {
      missing: null,
      empty: '',
      garbage: 'this is not a MaxMind database\n'.repeat(1000),
      truncated: 'half',
    };
    for (const [kind, content] of Object.entries(files)) {
      await tally.trial(kind, async () => {
        const file = path.join(dir, `${kind}.mmdb`);
        if (content === 'half') writeFileSync(file, ORIGINAL.subarray(0, ORIGINAL.length / 2));
        else if (content !== null) writeFileSync(file, content);
        const { app } = await buildConfiguredApp(t, { GEOIP_CITY_DB: file });
        const ready = await app.inject({ method: 'GET', url: '/readyz' });
        t.equal(ready.statusCode, 200, `${kind}: ready (a registry without locations still works)`);
        t.equal(ready.json().checks.geo, 'degraded', `${kind}: readiness says geo is degraded`);
        for (const ip of PUBLIC_IPS.slice(0, 4)) {
          const result = await exercise(app, ip, PUBLIC_IPS[5]);
          t.ok(result.ok, `${kind}: ${ip} served ${result.detail}`);
          t.notOk(result.located, `${kind}: no location without a database`);
        }
      });
    }
  },
);

family(
  'GeoIP database damaged inside',
  { kind: 'fault', unit: `damaged files × ${PUBLIC_IPS.length} addresses`, timeout: 600000 },
  async (t, tally) => {
    const dir = workDir(t);
    const file = path.join(dir, 'city-ipv4.mmdb');
    copyFileSync(BUNDLED_IPV4, file);
    const { app, geo } = await buildConfiguredApp(t, { GEOIP_CITY_DB: cityFiles(dir, file) });
    const records = recordOffsets();
    const runs = iterations(25, 300);
    const failures: string[] = [];
    let trials = 0;
    let located = 0;
    await fc.assert(
      fc.asyncProperty(
        // Bytes overwritten at and just after the records the addresses resolve to, and anywhere.
        fc.array(
          fc.tuple(
            fc.oneof(
              fc.tuple(fc.constantFrom(...records), fc.integer({ min: 0, max: 600 })).map(([record, at]) => record + at),
              fc.integer({ min: 0, max: ORIGINAL.length - 1 }),
            ),
            fc.integer({ min: 0, max: 255 }),
          ),
          { minLength: 1, maxLength: 200 },
        ),
        fc.constantFrom(...PUBLIC_IPS),
        async (damage, nextIp) => {
          const bytes = Buffer.from(ORIGINAL);
          for (const [offset, value] of damage) bytes[offset] = value;
          writeFileSync(file, bytes);
          await geo.reload?.();
          for (const ip of PUBLIC_IPS) {
            trials++;
            const result = await exercise(app, ip, nextIp);
            if (!result.ok) failures.push(`${damage.length} damaged bytes, ${ip}: ${result.detail}`);
            if (result.located) located++;
          }
          return true;
        },
      ),
      { numRuns: runs, seed: SEED, endOnFailure: true },
    );
    tally.add(trials, failures.length);
    t.same(failures.slice(0, 5), [], 'every login and heartbeat served, with a well-formed location or none');
    tally.note(`${runs} damaged files (seed ${SEED}), ${located}/${trials} lookups still found a location`);
  },
);

family('GeoIP database replaced under load', { kind: 'fault', unit: 'requests during replacements', timeout: 300000 }, async (t, tally) => {
  const dir = workDir(t);
  const file = path.join(dir, 'city-ipv4.mmdb');
  copyFileSync(BUNDLED_IPV4, file);
  const { app, geo } = await buildConfiguredApp(t, { GEOIP_CITY_DB: cityFiles(dir, file) });
  const results: Array<{ ok: boolean; detail: string; located: boolean }> = [];
  const traffic = loop(4, async (worker) => {
    results.push(await exercise(app, PUBLIC_IPS[(results.length + worker) % PUBLIC_IPS.length], PUBLIC_IPS[results.length % 3]));
  });
  const replacements = iterations(6, 40);
  for (let i = 0; i < replacements; i++) {
    const staged = path.join(dir, `next-${i}.mmdb`);
    if (i % 3 === 0) {
      // Replaced atomically by garbage.
      writeFileSync(staged, Buffer.alloc(4096, i));
      renameSync(staged, file);
    } else if (i % 3 === 1) {
      // Rewritten in place, slowly: the watcher sees a torn file before the whole one.
      writeFileSync(file, ORIGINAL.subarray(0, 1024 * 1024));
      await sleep(300);
      writeFileSync(file, ORIGINAL);
    } else {
      // Back to a good file, atomically.
      writeFileSync(staged, ORIGINAL);
      renameSync(staged, file);
    }
    await sleep(700);
  }
  copyFileSync(BUNDLED_IPV4, path.join(dir, 'final.mmdb'));
  renameSync(path.join(dir, 'final.mmdb'), file);
  await sleep(1500);
  await traffic.stop();
  const failed = results.filter((r) => !r.ok);
  tally.add(results.length, failed.length);
  t.same(
    failed.slice(0, 5).map((r) => r.detail),
    [],
    'every request served during the replacements',
  );
  const after = await exercise(app, PUBLIC_IPS[0], PUBLIC_IPS[1]);
  tally.check(after.ok && after.located, 'with a good file back, locations are found again', after);
  tally.check(geo.status().state === 'ok', 'geo status is ok again', geo.status() as unknown as Record<string, unknown>);
  tally.note(`${replacements} replacements, ${results.length} requests, ${results.filter((r) => r.located).length} located`);
});
