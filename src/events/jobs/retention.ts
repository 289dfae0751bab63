import type { OutboxEventsRepository } from '../repositories/outbox-events.js';

const BATCH = 1000;
/** A round stops after this many batches; the next round continues. */
const MAX_BATCHES = 100;
/** The advisory lock of the `event-retention` job: one instance at a time purges. */
export const EVENT_RETENTION_LOCK_KEY = 7261120302;

/** One round of the `event-retention` job: deletes events (and their deliveries) written longer ago than the retention, in batches. */
export function createEventRetention(options: { outbox: Pick<OutboxEventsRepository, 'purge'>; retentionSeconds: number }) {
  async function purge(): Promise<number> {
    let purged = 0;
    for (let i = 0; i < MAX_BATCHES; i++) {
      const count = await options.outbox.purge(options.retentionSeconds, BATCH);
      purged += count;
      if (count < BATCH) break;
    }
    return purged;
  }
  return { purge };
}
