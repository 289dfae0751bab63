// Per-call cost of the enrichment done on every login and network change, and the memory the
// location data holds. Run alone: `npm run bench:enrich`; the main harness imports runEnrichBench().
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUNDLED_CITY_DBS, bundledAsnTable, openGeoLookup } from '../src/enrich/geo/index.js';
import { canonicalIp, isPublicIp } from '../src/enrich/ip.js';
import { createUserAgentParser } from '../src/enrich/user-agent/index.js';
import { assessRisk } from '../src/risk/assess.js';
import type { RiskHistoryItem } from '../src/risk/assess.js';

export interface BenchResult {
  name: string;
  nsPerOp: number;
  /** What else the row measured (memory held), shown beside the cost. */
  detail?: string;
}

const TARGET_MS = 400;

/** Calls `step(i)` repeatedly for about TARGET_MS after a warm-up and returns the mean cost. */
function measure(name: string, step: (i: number) => unknown): BenchResult {
  let sink = 0;
  for (let i = 0; i < 2_000; i++) sink ^= step(i) === undefined ? 0 : 1;
  let ops = 0;
  let batch = 256;
  const started = process.hrtime.bigint();
  let elapsedNs = 0;
  while (elapsedNs < TARGET_MS * 1e6) {
    for (let i = 0; i < batch; i++) sink ^= step(ops + i) === undefined ? 0 : 1;
    ops += batch;
    batch = Math.min(batch * 2, 65_536);
    elapsedNs = Number(process.hrtime.bigint() - started);
  }
  if (sink === 42) console.log('');
  return { name, nsPerOp: elapsedNs / ops };
}

// Deterministic pseudo-random numbers so every run looks up the same addresses.
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = Math.imul(state ^ (state >>> 15), state | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function publicIpv4s(count: number): string[] {
  const random = prng(7);
  const ips: string[] = [];
  while (ips.length < count) {
    const ip = Array.from({ length: 4 }, () => Math.floor(random() * 256)).join('.');
    if (isPublicIp(ip)) ips.push(ip);
  }
  return ips;
}

/** Random addresses in 2a00::/12 and 2600::/12, where most of today's IPv6 users are. */
function publicIpv6s(count: number): string[] {
  const random = prng(11);
  const group = () => Math.floor(random() * 0x10000).toString(16);
  return Array.from({ length: count }, (_, i) => {
    const first = (i % 2 === 0 ? 0x2a00 : 0x2600) + Math.floor(random() * 16);
    return canonicalIp(`${first.toString(16)}:${Array.from({ length: 7 }, group).join(':')}`) as string;
  });
}

/**
 * Bytes held outside the JavaScript heap (file buffers, typed arrays) and in it, after a full
 * collection; null without one (node --expose-gc), since garbage left over would be counted.
 */
function heldBytes(): number | null {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return null;
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

const heldSince = (before: number | null): string => {
  const after = heldBytes();
  return before === null || after === null ? 'memory not measured (needs node --expose-gc)' : `${mb(after - before)} held`;
};

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export async function runEnrichBench(): Promise<BenchResult[]> {
  const fixtures = JSON.parse(readFileSync(new URL('../test/fixtures/user-agents.json', import.meta.url), 'utf8')) as Array<{
    ua: string;
    hints?: Record<string, string>;
  }>;
  const results: BenchResult[] = [];

  const cold = createUserAgentParser({ cacheSize: 0 });
  results.push(
    measure('user agent parse, cold (no cache)', (i) => {
      const f = fixtures[i % fixtures.length];
      return cold.parse(f.ua, f.hints ?? null);
    }),
  );

  const cached = createUserAgentParser({ cacheSize: 1000 });
  results.push(
    measure('user agent parse, cached', (i) => {
      const f = fixtures[i % fixtures.length];
      return cached.parse(f.ua, f.hints ?? null);
    }),
  );

  const addresses = publicIpv4s(10_000);
  results.push(measure('canonicalIp + isPublicIp', (i) => isPublicIp(canonicalIp(addresses[i % addresses.length]) ?? '')));

  const quiet = { warn: () => {}, info: () => {} };
  const v6addresses = publicIpv6s(10_000);
  // Memory held by each source: the City files (read whole) apart from the ASN table.
  const beforeCity = heldBytes();
  const city = await openGeoLookup({ cityDbPaths: BUNDLED_CITY_DBS, logger: quiet, watch: false });
  const cityHeld = heldSince(beforeCity);
  const cacheDir = mkdtempSync(join(tmpdir(), 'bench-asn-'));
  const beforeAsn = heldBytes();
  const buildStarted = performance.now();
  const asn = await openGeoLookup({ cityDbPaths: [], asnTable: bundledAsnTable(cacheDir), logger: quiet, watch: false });
  const buildMs = performance.now() - buildStarted;
  const asnHeld = heldSince(beforeAsn);
  const loadStarted = performance.now();
  const cachedAsn = await openGeoLookup({ cityDbPaths: [], asnTable: bundledAsnTable(cacheDir), logger: quiet, watch: false });
  const loadMs = performance.now() - loadStarted;
  await cachedAsn.close();
  try {
    const built = city
      .status()
      .databases.map((d) => d.buildEpoch?.slice(0, 10))
      .find(Boolean);
    results.push({
      ...measure('geo lookup (bundled GeoLite2 City, ip-location-db layout, random public IPv4)', (i) =>
        city.lookup(addresses[i % addresses.length]),
      ),
      detail: `City data built ${built}, ${cityHeld}`,
    });
    results.push(
      measure('geo lookup (same, random IPv6 in 2a00::/12 and 2600::/12)', (i) => city.lookup(v6addresses[i % v6addresses.length])),
    );
    results.push({
      ...measure('network lookup (ASN table, random public IPv4)', (i) => asn.network?.(addresses[i % addresses.length])),
      detail: `table: ${asnHeld}; built in ${Math.round(buildMs)} ms, read from cache in ${Math.round(loadMs)} ms`,
    });
    results.push(measure('network lookup (ASN table, random IPv6)', (i) => asn.network?.(v6addresses[i % v6addresses.length])));
  } finally {
    await city.close();
    await asn.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }

  const place = (i: number) => ({
    countryCode: ['FR', 'DE', 'US', 'JP'][i % 4],
    latitude: 48 + (i % 7),
    longitude: 2 + (i % 11),
    accuracyRadiusKm: 50,
    timeZone: ['Europe/Paris', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo'][i % 4],
  });
  const history: RiskHistoryItem[] = Array.from({ length: 500 }, (_, i) => ({
    id: `s${i}`,
    createdAt: new Date(Date.UTC(2024, 0, 1) + i * 7_200_000),
    lastActiveAt: new Date(Date.UTC(2024, 0, 1) + i * 7_200_000 + 600_000),
    endedAt: i % 10 === 0 ? null : new Date(Date.UTC(2024, 0, 1) + i * 7_200_000 + 900_000),
    deviceKey: `browser|os${i % 5}|chrome|`,
    location: place(i),
  }));
  results.push(
    measure('risk assessment (500 past sessions)', (i) =>
      assessRisk(
        { at: new Date(Date.UTC(2024, 2, 1) + i * 1000), deviceKey: 'browser|os1|chrome|', isBot: false, location: place(i) },
        history,
      ),
    ),
  );
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const results = await runEnrichBench();
  const width = Math.max(...results.map((r) => r.name.length));
  for (const { name, nsPerOp, detail } of results) {
    const opsPerSecond = Math.round(1e9 / nsPerOp).toLocaleString('en-US');
    console.log(
      `${name.padEnd(width)}  ${Math.round(nsPerOp).toLocaleString('en-US').padStart(10)} ns/op  ${opsPerSecond.padStart(12)} ops/s${detail ? `  (${detail})` : ''}`,
    );
  }
}
