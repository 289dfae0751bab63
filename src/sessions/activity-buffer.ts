import { randomUUID } from 'node:crypto';
import type { ActivityDelta } from './repository.js';

interface Logger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ActivityBufferOptions {
  /** Applies one batch atomically; the id makes a retried batch a no-op if it already committed. */
  apply(flushId: string, deltas: ActivityDelta[]): Promise<unknown>;
  intervalMs: number;
  maxEntries: number;
  logger: Logger;
  onFlushed?(count: number, ok: boolean): void;
}

interface Batch {
  id: string;
  deltas: ActivityDelta[];
}

// Heartbeats are counted in memory and written in batches: one statement per interval, however
// many heartbeats arrived. A failed batch is retried with the same id, so it is applied once or
// not at all; a crash loses at most one interval of activity and never counts anything twice.
export function createActivityBuffer(options: ActivityBufferOptions) {
  let current = new Map<string, ActivityDelta>();
  const failed: Batch[] = [];
  let flushing: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  const MAX_FAILED_BATCHES = 600;

  const runFlush = async (): Promise<void> => {
    if (current.size > 0) {
      failed.push({ id: randomUUID(), deltas: [...current.values()] });
      current = new Map();
    }
    while (failed.length > 0) {
      const batch = failed[0];
      try {
        await options.apply(batch.id, batch.deltas);
        failed.shift();
        options.onFlushed?.(batch.deltas.length, true);
      } catch (error) {
        options.onFlushed?.(batch.deltas.length, false);
        if (failed.length > MAX_FAILED_BATCHES) {
          const dropped = failed.shift();
          options.logger.error({ sessions: dropped?.deltas.length }, 'activity batch dropped after repeated failures');
        }
        options.logger.warn({ reason: (error as Error).message, pending: failed.length }, 'activity flush failed; will retry');
        return;
      }
    }
  };

  const flush = (): Promise<void> => {
    flushing ??= runFlush().finally(() => {
      flushing = null;
    });
    return flushing;
  };

  return {
    record(id: string, at: Date, pageViews: number): void {
      const delta = current.get(id);
      if (delta) {
        if (at > delta.lastActiveAt) delta.lastActiveAt = at;
        delta.pageViews += pageViews;
        delta.heartbeats += 1;
      } else {
        current.set(id, { id, lastActiveAt: at, pageViews, heartbeats: 1 });
        if (current.size >= options.maxEntries) void flush();
      }
    },
    /** Activity recorded here and not yet written (current or awaiting retry). */
    pending(id: string): { lastActiveAt: Date; pageViews: number; heartbeats: number } | undefined {
      let result: { lastActiveAt: Date; pageViews: number; heartbeats: number } | undefined;
      const add = (d: ActivityDelta | undefined) => {
        if (!d) return;
        result ??= { lastActiveAt: d.lastActiveAt, pageViews: 0, heartbeats: 0 };
        if (d.lastActiveAt > result.lastActiveAt) result.lastActiveAt = d.lastActiveAt;
        result.pageViews += d.pageViews;
        result.heartbeats += d.heartbeats;
      };
      for (const batch of failed) add(batch.deltas.find((d) => d.id === id));
      add(current.get(id));
      return result;
    },
    pendingIds(): string[] {
      const ids = new Set(current.keys());
      for (const batch of failed) for (const d of batch.deltas) ids.add(d.id);
      return [...ids];
    },
    get size() {
      return current.size;
    },
    flush,
    start(): void {
      timer = setInterval(() => void flush(), options.intervalMs);
      timer.unref();
    },
    /** Stops the timer and writes everything still held, retrying briefly. */
    async close(): Promise<void> {
      if (timer) clearInterval(timer);
      for (let attempt = 0; attempt < 5; attempt++) {
        await flush();
        if (current.size === 0 && failed.length === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 200 * (attempt + 1)));
      }
      options.logger.error({ pending: failed.length }, 'activity not written at shutdown');
    },
  };
}

export type ActivityBuffer = ReturnType<typeof createActivityBuffer>;
