// `npm run bench [-- --quick] [--rounds 3] [--seconds 8] [--trials 200] [--profile]`
// Starts a database, the registry and two baselines as separate processes on this machine,
// measures, prints a table (and a markdown copy), writes bench/results.json, and stops everything.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { insertUserSessions, mintToken, newSecret, settle, startRegistry, withDbClient, type BenchContext } from './context.js';
import { createBenchDatabase, dropDatabase, serverVersion, startServer, withDatabase } from './db.js';
import { runEnrichBench, type BenchResult } from './enrich.js';
import { heartbeatFigures } from './heartbeat.js';
import { incidentFigures } from './incidents.js';
import { createLoad, latencyFigures } from './latency.js';
import { ROOT, rssBytes, stopService, type Service } from './processes.js';
import { machineInfo, machineLine, renderMarkdown, renderText, tableRows, writeResults, type Results } from './report.js';
import { buildVocabulary, insertUsers } from './seed-data.js';
import { scaleFigures, type ScaleFigures } from './scale.js';
import { ensureSeed, SEED_DATABASE, SEED_ROWS, seedDatabase, seedDatabaseName, SIZED_USERS } from './seed.js';
import { sigtermFigures } from './sigterm.js';
import { visibilityFigures } from './visibility.js';

const QUICK_ROWS = 100_000;
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '8' },
    trials: { type: 'string', default: '200' },
    profile: { type: 'boolean', default: false },
    'scale-rows': { type: 'string', default: '10000000' },
    'skip-scale': { type: 'boolean', default: false },
  },
  strict: true,
});
const rounds = Number(args.rounds);
const roundSeconds = Number(args.seconds);
const trials = Number(args.trials);
if (![rounds, roundSeconds, trials].every((n) => Number.isSafeInteger(n) && n > 0)) {
  process.stderr.write('bench: --rounds, --seconds and --trials take whole positive numbers\n');
  process.exit(2);
}

const started = Date.now();
const log = (message: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${message}\n`);

// Clean-up steps, run newest first, once: at the end, on failure, or on Ctrl-C.
const cleanups: Array<() => Promise<unknown>> = [];
let cleaning: Promise<void> | null = null;
const cleanUp = () =>
  (cleaning ??= (async () => {
    for (const step of cleanups.reverse()) await step().catch((error: Error) => log(`clean-up: ${error.message}`));
  })());
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    log(`${signal}: stopping everything`);
    void cleanUp().finally(() => process.exit(130));
  });
}

async function main(): Promise<Results> {
  const loadBefore = os.loadavg()[0];
  const server = await startServer(ROOT);
  cleanups.push(() => server.stop());
  const postgres = await serverVersion(server.adminUrl);
  log(`PostgreSQL ${postgres} (${server.embedded ? 'embedded, data in .data/bench' : 'DATABASE_URL'})`);

  const dbName = `sr_bench_${Date.now()}`;
  let rows: number;
  let dataSet: string;
  if (args.quick) {
    rows = QUICK_ROWS;
    cleanups.push(() => dropDatabase(server.adminUrl, dbName));
    const url = await createBenchDatabase(server.adminUrl, dbName);
    log(`--quick: seeding ${rows.toLocaleString('en-US')} sessions into ${dbName}`);
    await seedDatabase(url, rows, log);
    dataSet = `QUICK mode: ${rows.toLocaleString('en-US')} sessions`;
  } else {
    const seed = await ensureSeed(server.adminUrl, { force: false, rows: SEED_ROWS, log });
    rows = seed.rows;
    log(
      seed.reused
        ? `reusing ${SEED_DATABASE} (${rows.toLocaleString('en-US')} sessions, seeded ${seed.seededAt})`
        : `seeded in ${seed.seconds.toFixed(1)} s`,
    );
    cleanups.push(() => dropDatabase(server.adminUrl, dbName));
    const copyStarted = Date.now();
    await createBenchDatabase(server.adminUrl, dbName, SEED_DATABASE);
    log(`copied ${SEED_DATABASE} to ${dbName} in ${((Date.now() - copyStarted) / 1000).toFixed(1)} s`);
    dataSet = `${rows.toLocaleString('en-US')} sessions (copy of ${SEED_DATABASE})`;
  }
  const sized = SIZED_USERS.reduce((n, g) => n + g.users * (g.size + Math.max(1, Math.round(g.size / 10))), 0);
  const fillerUsers = Math.floor((rows - sized) / 5);

  const secret = newSecret();
  const ctx: BenchContext = {
    adminUrl: server.adminUrl,
    dbName,
    dbUrl: withDatabase(server.adminUrl, dbName),
    secret,
    token: mintToken(secret),
    roundSeconds,
    vocab: await buildVocabulary(),
    log,
  };
  const services: Service[] = [];
  cleanups.push(() => Promise.all(services.map((s) => stopService(s, 'SIGTERM', 5000))));
  const profileArgs = args.profile ? ['--cpu-prof', '--cpu-prof-dir=bench/profiles'] : [];
  const a = await startRegistry(ctx, 'registry-a', profileArgs);
  services.push(a);
  // Instance A's RSS over its whole life, besides the samples taken under heartbeat load.
  let rssRunMax = 0;
  const rssTimer = setInterval(() => (rssRunMax = Math.max(rssRunMax, rssBytes(a.pid) ?? 0)), 250);
  cleanups.push(async () => clearInterval(rssTimer));

  log('latency on the seeded table');
  await settle(ctx);
  const latency = await latencyFigures(ctx, a, { fillerUsers, createSeconds: 10, createRate: 200, samples: 1000 });
  log('  create: the same rate on an instance with no session limit (SESSION_MAX_PER_USER=0)');
  const unlimited = await startRegistry(ctx, 'registry-unlimited', [], { SESSION_MAX_PER_USER: '0' });
  services.push(unlimited);
  await createLoad(unlimited, ctx.token, { fillerUsers, rate: 100, seconds: 3 });
  latency.createUnlimited = { ...(await createLoad(unlimited, ctx.token, { fillerUsers, rate: 200, seconds: 10 })), targetRate: 200 };
  await stopService(unlimited, 'SIGTERM', 5000);

  log('incident search and bulk revoke on the seeded table');
  const incidents = await incidentFigures(ctx, a, { samples: 1000, bulk: 100_000 });

  log('heartbeat throughput: registry vs bare Fastify vs naive');
  const ids = await withDbClient(ctx, (c) =>
    insertUsers(c, ctx.vocab, { prefix: 'hb-', users: 400, active: 5, ended: 0, rBase: 60_000_000, returnIds: true }),
  );
  // Enough users that the /v1/me rounds stay within the per-session rate limit (600 a minute).
  log('  4,000 user sessions with tokens (800 users × 5) for the /v1/me rounds');
  const users = await insertUserSessions(ctx, 800, 5);
  let enrich: BenchResult[] = [];
  const heartbeat = await heartbeatFigures(ctx, a, ids, users, {
    rounds,
    warmupSeconds: 3,
    duringQuietWait: async () => {
      log('  enrichment micro-benchmarks (while the database statistics settle)');
      enrich = await runEnrichBench();
    },
  });

  log(`revocation visibility: ${trials} trials across two instances`);
  const b = await startRegistry(ctx, 'registry-b');
  services.push(b);
  const visIds = await withDbClient(ctx, (c) =>
    insertUsers(c, ctx.vocab, { prefix: 'vis-', users: trials, active: 1, ended: 0, rBase: 65_000_000, returnIds: true }),
  );
  const visibility = await visibilityFigures(ctx, a, b, visIds);

  log('page views after SIGTERM under load');
  const termIds = await withDbClient(ctx, (c) =>
    insertUsers(c, ctx.vocab, { prefix: 'term-', users: 200, active: 1, ended: 0, rBase: 70_000_000, returnIds: true }),
  );
  const sigterm = await sigtermFigures(ctx, b, termIds, { rate: 2000, secondsBeforeSignal: 3 });

  clearInterval(rssTimer);
  await stopService(a, 'SIGTERM', 10000);
  heartbeat.rssRunMaxBytes = rssRunMax;

  let scale: ScaleFigures | null = null;
  if (!args['skip-scale'] && !args.quick) {
    const scaleRows = Number(args['scale-rows']);
    const seed = await ensureSeed(server.adminUrl, { force: false, rows: scaleRows, log });
    log(
      seed.reused
        ? `reusing ${seedDatabaseName(scaleRows)} (seeded ${seed.seededAt})`
        : `seeded ${scaleRows.toLocaleString('en-US')} sessions in ${seed.seconds.toFixed(1)} s`,
    );
    const scaleDb = `sr_bench_scale_${Date.now()}`;
    cleanups.push(() => dropDatabase(server.adminUrl, scaleDb));
    const copyStarted = Date.now();
    await createBenchDatabase(server.adminUrl, scaleDb, seedDatabaseName(scaleRows));
    log(`copied ${seedDatabaseName(scaleRows)} to ${scaleDb} in ${((Date.now() - copyStarted) / 1000).toFixed(1)} s`);
    const scaleCtx: BenchContext = { ...ctx, dbName: scaleDb, dbUrl: withDatabase(server.adminUrl, scaleDb) };
    scale = await scaleFigures(scaleCtx, {
      rows: scaleRows,
      sizes: [2_000, 10_000, 100_000, 1_000_000],
      rounds,
      fillerUsers: Math.floor((scaleRows - sized) / 5),
      samples: 1000,
    });
  }
  return {
    machine: machineInfo(postgres, loadBefore),
    settings: { dataSet, rows, rounds, roundSeconds, database: server.embedded ? 'embedded' : 'DATABASE_URL' },
    latency,
    incidents,
    heartbeat,
    visibility,
    sigterm,
    enrich,
    scale,
    totalSeconds: 0,
  };
}

let results: Results;
try {
  results = await main();
} catch (error) {
  log(`failed: ${(error as Error).stack ?? String(error)}`);
  await cleanUp();
  process.exit(1);
}
await cleanUp();
results.totalSeconds = Math.round((Date.now() - started) / 1000);
const rowsOut = tableRows(results);
const file = writeResults(results);
console.log('');
console.log(renderText(rowsOut));
console.log('');
console.log(machineLine(results.machine, results.settings));
console.log(`Raw figures: ${file} (${results.totalSeconds} s in all)`);
console.log('');
console.log('Markdown for docs/benchmarks.md:');
console.log('');
console.log(renderMarkdown(rowsOut));
console.log('');
console.log(`_${machineLine(results.machine, results.settings)}_`);
