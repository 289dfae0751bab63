import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './types.js';

export interface DatabaseOptions {
  connectionString: string;
  poolSize?: number;
  statementTimeoutMs?: number;
  /** How long a request may wait for a pooled connection before it fails (and becomes a 503). */
  connectionTimeoutMs?: number;
  applicationName?: string;
}

export interface DatabaseHandle {
  db: Kysely<Database>;
  pool: pg.Pool;
  close(): Promise<void>;
}

// timestamptz as Date, bigint (counters) left as strings and converted where read.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => value);

export function createDatabase(options: DatabaseOptions): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 2000,
    idleTimeoutMillis: 30000,
    // Bounded waits: a held lock or a slow query fails the request instead of queueing forever.
    statement_timeout: options.statementTimeoutMs ?? 5000,
    lock_timeout: Math.min(options.statementTimeoutMs ?? 5000, 2000),
    idle_in_transaction_session_timeout: 10000,
    application_name: options.applicationName ?? 'session-registry',
  });
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
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}
