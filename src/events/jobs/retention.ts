import type { Logger } from '../../logger.js';
import type { OutboxEventsRepository } from '../repositories/outbox-events.js';

const BATCH = 1000;
/** A round stops after this many batches; the next round continues. */
const MAX_BATCHES = 100;

/** Deletes events (and their deliveries) written longer ago than the retention, in batches. */
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

  return {
    purge,
    /** Purges every `intervalMs` until the returned function is called. */
    start(intervalMs: number, logger: Logger): () => void {
      let busy = false;
      const timer = setInterval(() => {
        if (busy) return;
        busy = true;
        purge()
          .catch((error: Error) => logger.warn({ reason: error.message }, 'event retention round failed; retrying at the next one'))
          .finally(() => {
            busy = false;
          });
      }, intervalMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
