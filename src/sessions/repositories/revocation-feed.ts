import type pg from 'pg';
import type { DatabaseHandle } from '../../db/database.js';
import type { Logger } from '../../logger.js';
import type { EndReason } from '../vocabulary.js';

/** The channel every statement that ends sessions notifies (see session-ends.ts). */
export const ENDED_CHANNEL = 'session_registry_ended';

/** One end as a notice carries it. */
export interface EndedNotice {
  id: string;
  userId: string;
  endedAt: string;
  reason: EndReason;
}

export interface RevocationFeedOptions {
  database: DatabaseHandle;
  logger: Logger;
  onEnded(notices: EndedNotice[]): void;
  /** Called with false as soon as the feed may have missed a notice, and true once it is whole again. */
  onTrustChange(trusted: boolean): void;
  pingIntervalMs?: number;
}

// One dedicated connection LISTENs for ends made by any instance. While it is down the instance
// cannot know about remote revocations, so it reports itself untrusted and the service reads the
// database for every check until the feed is back (and the cache has been dropped).
export function createRevocationFeed(options: RevocationFeedOptions) {
  let client: pg.Client | null = null;
  let trusted = false;
  let closed = false;
  let retryDelay = 50;
  let reconnectTimer: NodeJS.Timeout | null = null;
  let pingTimer: NodeJS.Timeout | null = null;
  let connecting: Promise<void> | null = null;

  const setTrusted = (value: boolean) => {
    if (trusted === value) return;
    trusted = value;
    options.onTrustChange(value);
  };

  const lost = (reason: string) => {
    if (client === null) return;
    const dead = client;
    client = null;
    setTrusted(false);
    dead.removeAllListeners();
    dead.on('error', () => {});
    dead.end().catch(() => {});
    if (closed) return;
    options.logger.warn({ reason }, 'revocation feed lost; checking the database directly until it is back');
    scheduleReconnect();
  };

  const scheduleReconnect = () => {
    if (closed || reconnectTimer) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = null;
      connect().catch(() => {});
    }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 2000);
  };

  const connect = (): Promise<void> => {
    connecting ??= (async () => {
      const next = options.database.dedicatedClient('session-registry-listener');
      next.on('error', (error) => lost(error.message));
      next.on('end', () => lost('connection ended'));
      next.on('notification', (message) => {
        if (message.channel !== ENDED_CHANNEL || !message.payload) return;
        try {
          options.onEnded(JSON.parse(message.payload) as EndedNotice[]);
        } catch {
          options.logger.warn({ channel: message.channel }, 'ignored a malformed revocation notice');
        }
      });
      try {
        await next.connect();
        await next.query(`LISTEN ${ENDED_CHANNEL}`);
      } catch (error) {
        next.removeAllListeners();
        next.on('error', () => {});
        next.end().catch(() => {});
        if (!closed) scheduleReconnect();
        throw error;
      }
      if (closed) {
        await next.end().catch(() => {});
        return;
      }
      client = next;
      retryDelay = 50;
      setTrusted(true);
      options.logger.info({}, 'revocation feed connected');
    })().finally(() => {
      connecting = null;
    });
    return connecting;
  };

  // A half-open TCP connection raises no error; a periodic round trip finds it.
  const ping = async () => {
    const current = client;
    if (!current) return;
    const timeout = setTimeout(() => lost('ping timed out'), 3000);
    try {
      await current.query('select 1');
    } catch (error) {
      lost((error as Error).message);
    } finally {
      clearTimeout(timeout);
    }
  };

  return {
    get trusted() {
      return trusted;
    },
    async start(): Promise<void> {
      pingTimer = setInterval(() => void ping(), options.pingIntervalMs ?? 2000);
      pingTimer.unref();
      await connect().catch((error: Error) => {
        options.logger.warn({ reason: error.message }, 'revocation feed not connected yet; retrying');
      });
    },
    async close(): Promise<void> {
      closed = true;
      if (pingTimer) clearInterval(pingTimer);
      if (reconnectTimer) clearTimeout(reconnectTimer);
      await connecting?.catch(() => {});
      const current = client;
      client = null;
      trusted = false;
      if (current) {
        current.removeAllListeners();
        current.on('error', () => {});
        await current.end().catch(() => {});
      }
    },
  };
}

