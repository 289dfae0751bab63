// `npm run bench:seed [-- --force] [--rows N]`: the data set the latency figures are measured on,
// in a database of its own (sr_bench_seed) that later runs reuse and copy.
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import {
  createBenchDatabase,
  databaseExists,
  dropDatabase,
  LATEST_MIGRATION,
  migrationsHash,
  startServer,
  withClient,
  withDatabase,
} from './db.js';
import { ROOT } from './processes.js';
import { buildVocabulary, insertFiller, insertUsers } from './seed-data.js';

export const SEED_ROWS = 1_000_000;
/** The seeded database for a number of rows: sr_bench_seed for the default million, sr_bench_seed_<rows> otherwise. */
export const seedDatabaseName = (rows: number) => (rows === SEED_ROWS ? 'sr_bench_seed' : `sr_bench_seed_${rows}`);
export const SEED_DATABASE = seedDatabaseName(SEED_ROWS);
const LAYOUT_VERSION = 1;
/** Active seeded sessions were last active at most 2 days before seeding and idle out after 14. */
const MAX_SEED_AGE_DAYS = 7;

/** Users holding a known number of active sessions (plus 10% more already ended, as history). */
export const SIZED_USERS = [
  { size: 1000, users: 5 },
  { size: 100, users: 50 },
  { size: 10, users: 500 },
] as const;
export const sizedUserId = (size: number, i: number) => `u${size}-${i}`;

interface SeedInfo {
  version: number;
  rows: number;
  migration: string;
  migrationsHash: string;
  seededAt: string;
  seconds: number;
}

export interface SeedResult {
  url: string;
  rows: number;
  reused: boolean;
  seconds: number;
  seededAt: string;
}

type Log = (message: string) => void;

/**
 * Drops the secondary indexes of the seeded tables and returns the statements that build them
 * again: one bulk build after the load is far cheaper than maintaining each index row by row.
 * Whatever indexes the migrations define are kept the same, read from the catalog.
 */
async function dropSecondaryIndexes(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ name: string; definition: string }>(
    `select i.indexname as name, i.indexdef as definition
     from pg_indexes i
     where i.schemaname = 'public' and i.tablename in ('sessions', 'session_events')
       and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`,
  );
  for (const row of rows) await client.query(`drop index ${client.escapeIdentifier(row.name)}`);
  return rows.map((row) => row.definition);
}

/** Fills a migrated, empty database with `rows` sessions; returns the seconds it took. */
export async function seedDatabase(url: string, rows: number, log: Log): Promise<number> {
  const started = Date.now();
  const vocab = await buildVocabulary();
  const clients = [new pg.Client({ connectionString: url }), new pg.Client({ connectionString: url })];
  await Promise.all(clients.map((c) => c.connect()));
  try {
    for (const c of clients) await c.query("set synchronous_commit = off; set statement_timeout = 0; set maintenance_work_mem = '512MB'");
    await clients[0].query(
      'alter table sessions set (autovacuum_enabled = false); alter table session_events set (autovacuum_enabled = false)',
    );
    const indexes = await dropSecondaryIndexes(clients[0]);
    let rBase = 0;
    let sized = 0;
    for (const { size, users } of SIZED_USERS) {
      const ended = Math.max(1, Math.round(size / 10));
      await insertUsers(clients[0], vocab, { prefix: `u${size}-`, users, active: size, ended, rBase });
      rBase += users * (size + ended);
      sized += users * (size + ended);
    }
    const filler = Math.max(0, rows - sized);
    const chunk = 100_000;
    const queue: Array<[number, number]> = [];
    for (let from = 0; from < filler; from += chunk) queue.push([from, Math.min(filler, from + chunk) - 1]);
    let done = 0;
    await Promise.all(
      clients.map(async (client) => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          await insertFiller(client, vocab, next[0], next[1], rBase);
          done += next[1] - next[0] + 1;
          log(`  ${(sized + done).toLocaleString('en-US')} / ${rows.toLocaleString('en-US')} sessions`);
        }
      }),
    );
    log(`  building ${indexes.length} indexes`);
    const pending = [...indexes];
    await Promise.all(
      clients.map(async (client) => {
        for (let next = pending.shift(); next; next = pending.shift()) await client.query(next);
      }),
    );
    await clients[0].query('alter table sessions reset (autovacuum_enabled); alter table session_events reset (autovacuum_enabled)');
    log('  vacuum analyze');
    await Promise.all([clients[0].query('vacuum (analyze) sessions'), clients[1].query('vacuum (analyze) session_events')]);
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
  return (Date.now() - started) / 1000;
}

async function readSeedInfo(adminUrl: string, name: string): Promise<SeedInfo | null> {
  if (!(await databaseExists(adminUrl, name))) return null;
  const comment = await withClient(adminUrl, async (c) => {
    const { rows } = await c.query<{ c: string | null }>(
      "select shobj_description(oid, 'pg_database') as c from pg_database where datname = $1",
      [name],
    );
    return rows[0]?.c ?? null;
  });
  try {
    return comment ? (JSON.parse(comment) as SeedInfo) : null;
  } catch {
    return null;
  }
}

/** The seeded database: reused when it is whole, current and recent; otherwise (or with force) rebuilt. */
export async function ensureSeed(adminUrl: string, options: { force: boolean; rows: number; log: Log }): Promise<SeedResult> {
  const name = seedDatabaseName(options.rows);
  const url = withDatabase(adminUrl, name);
  const info = options.force ? null : await readSeedInfo(adminUrl, name);
  const fresh = info && Date.now() - Date.parse(info.seededAt) < MAX_SEED_AGE_DAYS * 86400_000;
  const current = info?.migration === LATEST_MIGRATION && info.migrationsHash === migrationsHash(ROOT);
  if (info && fresh && current && info.version === LAYOUT_VERSION && info.rows === options.rows) {
    const count = await withClient(url, async (c) =>
      Number((await c.query<{ n: string }>('select count(*)::text as n from sessions')).rows[0].n),
    );
    if (count === info.rows) return { url, rows: count, reused: true, seconds: info.seconds, seededAt: info.seededAt };
  }
  options.log(`seeding ${options.rows.toLocaleString('en-US')} sessions into ${name}`);
  await dropDatabase(adminUrl, name);
  await createBenchDatabase(adminUrl, name);
  const seconds = await seedDatabase(url, options.rows, options.log);
  const seededAt = new Date().toISOString();
  const next: SeedInfo = {
    version: LAYOUT_VERSION,
    rows: options.rows,
    migration: LATEST_MIGRATION,
    migrationsHash: migrationsHash(ROOT),
    seededAt,
    seconds: Math.round(seconds * 10) / 10,
  };
  await withClient(adminUrl, async (c) => {
    // A checkpoint now makes the later file copies of this database quick.
    await c.query('checkpoint');
    await c.query(`comment on database ${c.escapeIdentifier(name)} is ${c.escapeLiteral(JSON.stringify(next))}`);
  });
  return { url, rows: options.rows, reused: false, seconds, seededAt };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { force: { type: 'boolean', default: false }, rows: { type: 'string' } }, strict: true });
  const rows = values.rows ? Number(values.rows) : SEED_ROWS;
  if (!Number.isSafeInteger(rows) || rows < 20_000) {
    process.stderr.write('bench:seed: --rows must be a whole number of at least 20000\n');
    process.exit(2);
  }
  const server = await startServer(ROOT);
  try {
    const result = await ensureSeed(server.adminUrl, { force: values.force, rows, log: (m) => console.log(m) });
    console.log(
      result.reused
        ? `${seedDatabaseName(rows)} is already seeded with ${result.rows.toLocaleString('en-US')} sessions (${result.seededAt}); --force rebuilds it`
        : `seeded ${result.rows.toLocaleString('en-US')} sessions into ${seedDatabaseName(rows)} in ${result.seconds.toFixed(1)} s`,
    );
  } finally {
    await server.stop();
  }
}
