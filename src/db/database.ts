import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Config } from '../config.js';
import { advisoryLocks } from './advisory-lock.js';
import { DatabaseOverloadedError } from './errors.js';
import { runStatement, type BoundStatement } from './statements.js';
import { parseUtcTimestamp, TIMESTAMPTZ } from './timestamps.js';
import type { Database } from './types.js';

export interface DatabaseOptions {
  connectionString: string;
  poolSize?: number;
  statementTimeoutMs?: number;
  /** How long a request may wait for a pooled connection before it fails (and becomes a 503). */
  connectionTimeoutMs?: number;
  /** How many callers may wait for a pooled connection; one more is refused at once (a 503). */
  maxQueue?: number;
  applicationName?: string;
  /** false: commits do not wait for the disk (work whose loss in a crash means doing it again). */
  synchronousCommit?: boolean;
}

/** Statements run on one connection between BEGIN and COMMIT. */
export interface Transaction {
  run<R>(statement: BoundStatement<R>): Promise<R[]>;
}

/**
 * What the repositories get: the query builder, named statements, transactions of named
 * statements, advisory locks. The pool itself stays in src/db.
 */
export interface DatabaseHandle {
  db: Kysely<Database>;
  /** Runs a named (prepared) statement (src/db/statements.ts); its rows. */
  run<R>(statement: BoundStatement<R>): Promise<R[]>;
  /**
   * Named statements in one transaction on one connection, where round trips matter (the query
   * builder's own db.transaction() serves the rest): BEGIN, `work`, COMMIT; ROLLBACK when `work`
   * throws, and a connection that cannot roll back is discarded.
   */
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Runs `work` under a session-level advisory lock, tried and never waited for (see advisory-lock.ts). */
  tryWithLock(key: number, work: () => Promise<void>): Promise<boolean>;
  /** How many connections the pool may open. */
  poolSize: number;
  /** A connection of its own, outside the pool (for LISTEN, which holds its connection for good). */
  dedicatedClient(applicationName: string): pg.Client;
  close(): Promise<void>;
}

/** The handle and its pool, for src/db, scripts and tests. */
export interface DatabasePool extends DatabaseHandle {
  pool: pg.Pool;
}

type ConnectCallback = (error: Error | undefined, client: pg.PoolClient | undefined, release: (error?: Error | boolean) => void) => void;

// A pool whose wait queue is bounded. When the database is the bottleneck, requests would
// otherwise queue for a connection until the connection timeout, each holding memory and a
// socket, and the event loop (idle, waiting) would show no pressure at all: past the bound they
// are refused at once, so the client retries later or elsewhere.
class BoundedPool extends pg.Pool {
  constructor(
    config: pg.PoolConfig,
    private readonly maxQueue: number,
  ) {
    super(config);
  }

  private get full(): boolean {
    return this.idleCount === 0 && this.totalCount >= (this.options.max ?? 10) && this.waitingCount >= this.maxQueue;
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | void {
    if (this.full) {
      const error = new DatabaseOverloadedError();
      if (!callback) return Promise.reject(error);
      process.nextTick(callback, error, undefined, () => {});
      return;
    }
    return callback ? super.connect(callback) : super.connect();
  }
}

// Set on this pool's connections only, never process-wide: timestamptz read by the fast parser
// (the connections ask for UTC), bigint (counters) left as strings and converted where read.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === TIMESTAMPTZ && format !== 'binary') return parseUtcTimestamp;
    if (oid === pg.types.builtins.INT8 && format !== 'binary') return (value: string) => value;
    return pg.types.getTypeParser(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

export function createDatabase(options: DatabaseOptions): DatabasePool {
  const pool = new BoundedPool(
    {
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 2000,
      idleTimeoutMillis: 30000,
      // Bounded waits: a held lock or a slow query fails the request instead of queueing forever.
      statement_timeout: options.statementTimeoutMs ?? 5000,
      lock_timeout: Math.min(options.statementTimeoutMs ?? 5000, 2000),
      idle_in_transaction_session_timeout: 10000,
      application_name: options.applicationName ?? 'session-registry',
      // Timestamps come back in UTC, in the one shape db/timestamps.ts reads fast.
      options: `-c TimeZone=UTC${options.synchronousCommit === false ? ' -c synchronous_commit=off' : ''}`,
      types,
    },
    options.maxQueue ?? 100,
  );
  // A connection that dies while idle in the pool (server restart, pg_terminate_backend) emits
  // here; without a listener it would crash the process. The pool discards it and heals.
  pool.on('error', () => {});
  // The pool listens only while a connection is idle. One that dies while checked out, between
  // two statements of a transaction, emits on the client itself; the failing statement already
  // carries the error and the pool discards the broken client on release.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  return {
    db,
    pool,
    run: (statement) => runStatement(pool, statement),
    async transaction(work) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('begin');
        const result = await work({ run: (statement) => runStatement(client, statement) });
        await client.query('commit');
        return result;
      } catch (error) {
        await client.query('rollback').catch((rollbackError: Error) => (broken = rollbackError));
        throw error;
      } finally {
        client.release(broken);
      }
    },
    tryWithLock: advisoryLocks(pool),
    poolSize: options.poolSize ?? 10,
    dedicatedClient: (applicationName) =>
      new pg.Client({
        connectionString: options.connectionString,
        keepAlive: true,
        connectionTimeoutMillis: 2000,
        application_name: applicationName,
        types,
      }),
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

/** The service's pool, sized and bounded as configured. */
export function openConfiguredDatabase(config: Config): DatabasePool {
  if (!config.databaseUrl) throw new Error('no DATABASE_URL to open');
  return createDatabase({
    connectionString: config.databaseUrl,
    poolSize: config.databasePoolSize,
    maxQueue: config.databaseMaxQueue,
    statementTimeoutMs: config.statementTimeoutMs,
  });
}
