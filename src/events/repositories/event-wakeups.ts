import type pg from 'pg';
import type { DatabaseHandle } from '../../db/database.js';
import type { Logger } from '../../logger.js';
import { EVENTS_CHANNEL } from '../vocabulary.js';

// A dedicated connection LISTENs for the outbox trigger's notices (sent when sessions end), so
// the delivery worker starts at once instead of at its next poll. Losing it costs only latency:
// the worker polls regardless, and this reconnects with a growing delay.

export function createEventWakeups(options: { database: DatabaseHandle; logger: Logger; onWake(): void }) {
  let client: pg.Client | null = null;
  let closed = false;
  let retryDelay = 100;
  let timer: NodeJS.Timeout | null = null;
  let connecting: Promise<void> | null = null;

  const drop = (target: pg.Client) => {
    target.removeAllListeners();
    target.on('error', () => {});
    target.end().catch(() => {});
  };

  const lost = (reason: string) => {
    if (client === null) return;
    drop(client);
    client = null;
    if (closed) return;
    options.logger.warn({ reason }, 'event wake-ups lost; polling until they are back');
    schedule();
  };

  const schedule = () => {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = null;
      void connect();
    }, retryDelay);
    timer.unref();
    retryDelay = Math.min(retryDelay * 2, 5000);
  };

  const connect = (): Promise<void> => {
    connecting ??= (async () => {
      const next = options.database.dedicatedClient('session-registry-events');
      next.on('error', (error) => lost(error.message));
      next.on('end', () => lost('connection ended'));
      next.on('notification', (message) => {
        if (message.channel === EVENTS_CHANNEL) options.onWake();
      });
      try {
        await next.connect();
        await next.query(`LISTEN ${EVENTS_CHANNEL}`);
      } catch {
        drop(next);
        schedule();
        return;
      }
      if (closed) return drop(next);
      client = next;
      retryDelay = 100;
      // Anything that ended while the connection was down is found now rather than at the next poll.
      options.onWake();
    })().finally(() => {
      connecting = null;
    });
    return connecting;
  };

  return {
    start: () => connect(),
    async close(): Promise<void> {
      closed = true;
      if (timer) clearTimeout(timer);
      await connecting;
      if (client) drop(client);
      client = null;
    },
  };
}
