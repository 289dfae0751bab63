import type { StateRow } from '../repositories/columns.js';

/** Reads waiting together, at most this many per statement. */
const MAX_BATCH = 500;

interface Waiter {
  resolve(row: StateRow | undefined): void;
  reject(error: unknown): void;
}

/**
 * State reads that miss the cache, gathered per turn of the event loop into one statement
 * (`id = any($1)`): with more sessions than the cache holds, or several instances without affinity,
 * a burst of misses costs one round trip instead of one each.
 */
export function createBatchedReads(readMany: (ids: string[]) => Promise<StateRow[]>) {
  let waiting = new Map<string, Waiter[]>();
  let scheduled = false;

  const run = (batch: Map<string, Waiter[]>) => {
    readMany([...batch.keys()]).then(
      (rows) => {
        const byId = new Map(rows.map((row) => [row.id, row]));
        for (const [id, waiters] of batch) for (const waiter of waiters) waiter.resolve(byId.get(id));
      },
      (error: unknown) => {
        for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error);
      },
    );
  };
  const flush = () => {
    scheduled = false;
    if (waiting.size === 0) return;
    const batch = waiting;
    waiting = new Map();
    run(batch);
  };

  return {
    read(id: string): Promise<StateRow | undefined> {
      return new Promise((resolve, reject) => {
        const waiters = waiting.get(id);
        if (waiters) waiters.push({ resolve, reject });
        else waiting.set(id, [{ resolve, reject }]);
        if (waiting.size >= MAX_BATCH) flush();
        else if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
  };
}

export type BatchedReads = ReturnType<typeof createBatchedReads>;
