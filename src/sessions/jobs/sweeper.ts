import type { SessionsContext } from '../context.js';
import type { Endings } from '../endings.js';

const BATCH = 1000;
/** A round stops each part after this many batches; the next round continues. */
const MAX_BATCHES = 100;
/** How long a flush id is remembered: far longer than any retry of its flush. */
const FLUSH_ID_RETENTION_MS = 86_400_000;

/** Runs `batch` until it comes back short (nothing left) or the round's bound is reached; the total. */
async function inBatches(batch: () => Promise<number>): Promise<number> {
  let total = 0;
  for (let i = 0; i < MAX_BATCHES; i++) {
    const count = await batch();
    total += count;
    if (count < BATCH) break;
  }
  return total;
}

/**
 * Background upkeep, one round of the `sweep` job: writes the expiry of sessions past their
 * limits (one instance at a time, see sweepStatement), purges history past retention, reduces the
 * addresses of sessions ended longer ago than IP_RETENTION to their networks, and forgets old
 * activity-flush ids. Each part does at most MAX_BATCHES batches a round.
 */
export function createSweeper(ctx: SessionsContext, endings: Endings) {
  const { repositories, clock, limits } = ctx;

  async function sweep(): Promise<{ expired: number; purged: number; addressesReduced: number }> {
    const now = clock.now();
    let expired = 0;
    // A short batch means nothing due is left, or another instance holds the sweep lock.
    await inBatches(async () => {
      const batch = await endings.expireDue(now, BATCH);
      expired += batch.ended.length;
      return batch.checked;
    });
    const before = new Date(now.getTime() - limits.historyRetentionSeconds * 1000);
    const purged = await inBatches(() => repositories.ends.purgeEnded(before, BATCH));
    const endedBefore = new Date(now.getTime() - limits.ipRetentionSeconds * 1000);
    const addressesReduced = await inBatches(() => repositories.retention.reduceBatch(endedBefore, now, BATCH));
    await repositories.flushes.purge(new Date(now.getTime() - FLUSH_ID_RETENTION_MS));
    return { expired, purged, addressesReduced };
  }

  return { sweep };
}
