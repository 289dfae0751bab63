// The PostgreSQL server the benchmark runs on, and the databases it creates there.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { createDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { migrations } from '../migrations/index.js';
import { onHardExit } from './processes.js';

export interface BenchServer {
  /** A connection string to a database that exists and is not benchmarked (for admin and stats). */
  adminUrl: string;
  embedded: boolean;
  stop(): Promise<void>;
}

export const LATEST_MIGRATION = Object.keys(migrations).sort().at(-1) as string;

/** Changes whenever a migration file is added or edited (an edited one would leave a copy stale). */
export function migrationsHash(root: string): string {
  const dir = path.join(root, 'migrations');
  const hash = createHash('sha256');
  for (const file of readdirSync(dir).sort()) hash.update(file).update(readFileSync(path.join(dir, file)));
  return hash.digest('hex').slice(0, 12);
}

/** DATABASE_URL when set; otherwise an embedded PostgreSQL with its data under .data/bench. */
export async function startServer(root: string): Promise<BenchServer> {
  if (process.env.DATABASE_URL) {
    return { adminUrl: process.env.DATABASE_URL, embedded: false, stop: async () => {} };
  }
  const embedded = await startEmbeddedPostgres(path.join(root, '.data', 'bench'), pino({ level: 'warn' }));
  // If the harness dies without stopping it, stop the server anyway (fast shutdown by pid).
  const forget = onHardExit(() => {
    const pid = Number(readFileSync(path.join(embedded.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (pid > 0) process.kill(pid, 'SIGINT');
  });
  return {
    adminUrl: embedded.url,
    embedded: true,
    async stop() {
      await embedded.stop();
      forget();
    },
  };
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'session-registry-bench' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function databaseExists(adminUrl: string, name: string): Promise<boolean> {
  return withClient(adminUrl, async (c) => (await c.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1);
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await withClient(adminUrl, async (c) => {
    await c.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
    await c.query(`drop database if exists ${c.escapeIdentifier(name)}`);
  });
}

/** Creates an empty database, or a copy of `template` (file copy: fast for a large one). */
export async function createBenchDatabase(adminUrl: string, name: string, template?: string): Promise<string> {
  await withClient(adminUrl, async (c) => {
    if (!template) {
      await c.query(`create database ${c.escapeIdentifier(name)}`);
      return;
    }
    const version = Number((await c.query<{ v: string }>("select current_setting('server_version_num') as v")).rows[0].v);
    const strategy = version >= 150000 ? ' strategy = file_copy' : '';
    await c.query(`create database ${c.escapeIdentifier(name)} template ${c.escapeIdentifier(template)}${strategy}`);
  });
  const url = withDatabase(adminUrl, name);
  const handle = createDatabase({ connectionString: url, poolSize: 1, statementTimeoutMs: 600000 });
  try {
    await migrateToLatest(handle.db);
  } finally {
    await handle.close();
  }
  return url;
}

/**
 * Committed plus rolled-back transactions of a database so far. Read over a fresh connection to
 * another database, so this reading is neither cached nor counted in the figure it reads.
 */
export async function transactionCount(adminUrl: string, name: string): Promise<number> {
  return withClient(adminUrl, async (c) => {
    await c.query('select pg_stat_clear_snapshot()');
    const { rows } = await c.query<{ n: string }>(
      'select (xact_commit + xact_rollback)::text as n from pg_stat_database where datname = $1',
      [name],
    );
    return Number(rows[0]?.n ?? 0);
  });
}

export async function serverVersion(url: string): Promise<string> {
  return withClient(url, async (c) => (await c.query<{ v: string }>("select current_setting('server_version') as v")).rows[0].v);
}

export function databaseNameOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}
