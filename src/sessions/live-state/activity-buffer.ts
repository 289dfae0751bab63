import { randomUUID } from 'node:crypto';
import type { Logger } from '../../logger.js';
import type { ActivityDelta } from '../repositories/activity-flushes.js';

/** A session's activity figures; times in epoch ms. */
export interface Activity {
  lastActiveAt: number;
  pageViews: number;
  heartbeats: number;
}

export interface ActivityBufferOptions {
  /** Applies one batch atomically; the id makes a retried batch a no-op if it already committed. */
  apply(flushId: string, deltas: ActivityDelta[]): Promise<unknown>;
  /** Sessions held before a flush starts on its own, whatever the interval. */
  maxEntries: number;
  logger: Logger;
  onFlushed?(deltas: readonly ActivityDelta[], ok: boolean): void;
}

interface Batch {
  id: string;
  deltas: ActivityDelta[];
}

const MAX_FAILED_BATCHES = 600;

// Heartbeats are counted in memory and written in batches (jobs/activity-flusher.ts flushes on an
// interval): one statement per interval, however many heartbeats arrived. A failed batch is
// retried with the same id, so it is applied once or not at all; a crash loses at most one
// interval of activity and never counts anything twice.
export function createActivityBuffer(options: ActivityBufferOptions) {
  let current = new Map<string, ActivityDelta>();
  const failed: Batch[] = [];
  let flushing: Promise<void> | null = null;

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
        options.onFlushed?.(batch.deltas, true);
      } catch (error) {
        options.onFlushed?.(batch.deltas, false);
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
    /** A heartbeat at `atMs` (epoch ms) counting `pageViews`. */
    record(id: string, userId: string, atMs: number, pageViews: number): void {
      const delta = current.get(id);
      if (delta) {
        if (atMs > delta.lastActiveAt) delta.lastActiveAt = atMs;
        delta.pageViews += pageViews;
        delta.heartbeats += 1;
      } else {
        current.set(id, { id, userId, lastActiveAt: atMs, pageViews, heartbeats: 1 });
        if (current.size >= options.maxEntries) void flush();
      }
    },
    /**
     * A session's activity as this instance knows it: what was stored, plus what it holds and has
     * not written yet (current or awaiting retry).
     */
    overlay(id: string, stored: Activity): Activity {
      let result = stored;
      const add = (d: ActivityDelta | undefined) => {
        if (!d) return;
        if (result === stored) result = { ...stored };
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
    flush,
    /** Writes everything still held, retrying briefly (at shutdown, after the last request). */
    async drain(): Promise<void> {
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
