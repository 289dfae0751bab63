// `npm run bench:scale [-- --rows 10000000] [--sizes 2000,10000,100000,1000000] [--rounds 3] [--seconds 8]`:
// only the figures at scale (see scale.ts), printed as the rows of docs/benchmarks.md.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { mintToken, newSecret, type BenchContext } from './context.js';
import { createBenchDatabase, dropDatabase, serverVersion, startServer, withDatabase } from './db.js';
import { ROOT } from './processes.js';
import { machineInfo, machineLine, renderMarkdown, scaleRows } from './report.js';
import { scaleFigures } from './scale.js';
import { buildVocabulary } from './seed-data.js';
import { ensureSeed, seedDatabaseName, SIZED_USERS } from './seed.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000000' },
    sizes: { type: 'string', default: '2000,10000,100000,1000000' },
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '8' },
  },
});
const log = (message: string) => process.stderr.write(`${message}\n`);
const rows = Number(args.rows);
const loadBefore = os.loadavg()[0];
const server = await startServer(ROOT);
const scaleDb = `sr_bench_scale_${Date.now()}`;
try {
  const seed = await ensureSeed(server.adminUrl, { force: false, rows, log });
  log(
    seed.reused
      ? `reusing ${seedDatabaseName(rows)} (seeded ${seed.seededAt})`
      : `seeded ${rows.toLocaleString('en-US')} sessions in ${seed.seconds.toFixed(1)} s`,
  );
  const copyStarted = Date.now();
  await createBenchDatabase(server.adminUrl, scaleDb, seedDatabaseName(rows));
  log(`copied in ${((Date.now() - copyStarted) / 1000).toFixed(1)} s`);
  const secret = newSecret();
  const ctx: BenchContext = {
    adminUrl: server.adminUrl,
    dbName: scaleDb,
    dbUrl: withDatabase(server.adminUrl, scaleDb),
    secret,
    token: mintToken(secret),
    roundSeconds: Number(args.seconds),
    vocab: await buildVocabulary(),
    log,
  };
  const sized = SIZED_USERS.reduce((n, g) => n + g.users * (g.size + Math.max(1, Math.round(g.size / 10))), 0);
  const scale = await scaleFigures(ctx, {
    rows,
    sizes: args.sizes.split(',').map(Number),
    rounds: Number(args.rounds),
    fillerUsers: Math.floor((rows - sized) / 5),
    samples: 1000,
  });
  const machine = machineInfo(await serverVersion(server.adminUrl), loadBefore);
  const settings = {
    dataSet: `${rows.toLocaleString('en-US')} sessions`,
    rows,
    rounds: Number(args.rounds),
    roundSeconds: Number(args.seconds),
    database: server.embedded ? 'embedded' : 'DATABASE_URL',
  };
  writeFileSync(new URL('./results-scale.json', import.meta.url), `${JSON.stringify({ machine, settings, scale }, null, 2)}\n`);
  console.log(renderMarkdown(scaleRows(scale)));
  console.log(`\n_${machineLine(machine, settings)}_`);
} finally {
  await dropDatabase(server.adminUrl, scaleDb).catch(() => {});
  await server.stop();
}
