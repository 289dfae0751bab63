import type { Logger } from '../../logger.js';
import type { SessionsContext } from '../context.js';
import type { Endings } from '../endings.js';

const BATCH = 1000;
/** How long a flush id is remembered: far longer than any retry of its flush. */
const FLUSH_ID_RETENTION_MS = 86_400_000;

/**
 * Background upkeep: writes the expiry of sessions past their limits (one instance at a time, in
 * batches), purges history past retention, reduces the addresses of sessions ended longer ago than
 * IP_RETENTION to their networks (in batches), and forgets old activity-flush ids.
 */
export function createSweeper(ctx: SessionsContext, endings: Endings) {
  const { repositories, clock, limits } = ctx;

  async function sweep(): Promise<{ expired: number; purged: number; addressesReduced: number }> {
    const now = clock.now();
    let expired = 0;
    // A short batch means nothing due is left, or another instance holds the sweep lock.
    for (;;) {
      const batch = await endings.expireDue(now, BATCH);
      expired += batch.ended.length;
      if (batch.checked < BATCH) break;
    }
    const before = new Date(now.getTime() - limits.historyRetentionSeconds * 1000);
    let purged = 0;
    for (;;) {
      const count = await repositories.ends.purgeEnded(before, BATCH);
      purged += count;
      if (count < BATCH) break;
    }
    const endedBefore = new Date(now.getTime() - limits.ipRetentionSeconds * 1000);
    let addressesReduced = 0;
    for (;;) {
      const count = await repositories.retention.reduceBatch(endedBefore, now, BATCH);
      addressesReduced += count;
      if (count < BATCH) break;
    }
    await repositories.flushes.purge(new Date(now.getTime() - FLUSH_ID_RETENTION_MS));
    return { expired, purged, addressesReduced };
  }

  return {
    sweep,
    /** Sweeps every `intervalMs` until the returned function is called. */
    start(intervalMs: number, logger: Logger): () => void {
      const timer = setInterval(() => {
        sweep().catch((error: Error) => logger.warn({ reason: error.message }, 'sweep failed; will retry'));
      }, intervalMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
