import type pg from 'pg';

/**
 * Runs `work` while this instance holds the session-level advisory lock `key`, taken on a pooled
 * connection kept for the duration (tried, never waited for): false, and `work` not run, when
 * another session holds it. If that connection dies, PostgreSQL releases the lock with it.
 */
export function advisoryLocks(pool: pg.Pool) {
  return async function tryWithLock(key: number, work: () => Promise<void>): Promise<boolean> {
    const client = await pool.connect();
    // A connection whose lock state is unknown is discarded, never given back to the pool.
    let discard: Error | undefined;
    try {
      const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [key]).catch((error: Error) => {
        discard = error;
        throw error;
      });
      if (!rows[0]?.locked) return false;
      try {
        await work();
      } finally {
        await client.query('select pg_advisory_unlock($1)', [key]).catch((error: Error) => {
          discard = error;
        });
      }
      return true;
    } finally {
      client.release(discard);
    }
  };
}
