import type pg from 'pg';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { DatabaseHandle } from './database.js';

/** Where a listener stood when its connection was lost: what a feature catches up from. */
export interface HeardPosition {
  /** The database's time at the last round trip before the loss: every notice committed before it was heard. */
  databaseTime: Date;
  /** This instance's clock when that round trip began (clock ms). */
  localTime: number;
}

export interface Subscription {
  channel: string;
  onNotify(payload: string): void;
  /** The connection was lost: notices may be missed until `onReconnected`. */
  onLost?(): void;
  /**
   * Connected again after a loss (`since`: where it stood, null when it had never heard) or for
   * the first time (`since` null). Notices are heard again from this moment; what was committed
   * during the gap is for the feature to read.
   */
  onReconnected?(since: HeardPosition | null): void | Promise<void>;
}

export interface ListenerOptions {
  database: DatabaseHandle;
  clock: Clock;
  logger: Logger;
  /** A round trip every this many ms: a half-open connection raises no error, and each one moves `heardUntil`. */
  pingIntervalMs?: number;
  /** A new, unconnected client (by default a dedicated connection named session-registry-listener). */
  connect?: () => pg.Client;
}

export const LISTENER_APPLICATION_NAME = 'session-registry-listener';
const PING_TIMEOUT_MS = 3000;
const FIRST_RETRY_MS = 50;
const MAX_RETRY_MS = 2000;

// The one LISTEN connection of an instance, for every channel of every feature. Each round trip
// on it (LISTEN, then a ping every second) proves that every notice committed before it began
// has been delivered: PostgreSQL sends a connection's pending notices before a query's result.
// `heardUntil` is the start of the last such round trip. When the connection is lost it reconnects
// with a growing, jittered delay and tells each subscriber where it stood, so that a feature can
// read from the database what it may have missed.
export function createListener(options: ListenerOptions) {
  const { clock, logger } = options;
  const subscriptions: Subscription[] = [];
  const connectClient = options.connect ?? (() => options.database.dedicatedClient(LISTENER_APPLICATION_NAME));
  let client: pg.Client | null = null;
  /** The client has LISTENed on every channel: notices are heard. */
  let listening = false;
  let closed = false;
  let started = false;
  let failures = 0;
  let reconnectTimer: NodeJS.Timeout | null = null;
  let pingTimer: NodeJS.Timeout | null = null;
  let connecting: Promise<void> | null = null;
  let heard: HeardPosition | null = null;
  let lostAt: number | null = null;
  const gapListeners: Array<(gapMs: number) => void> = [];

  const drop = (target: pg.Client) => {
    target.removeAllListeners();
    target.on('error', () => {});
    target.end().catch(() => {});
  };

  const lost = (target: pg.Client, reason: string) => {
    if (client !== target) return;
    drop(target);
    client = null;
    listening = false;
    lostAt = clock.now().getTime();
    if (closed) return;
    logger.warn({ reason }, 'listener connection lost; reconnecting');
    for (const s of subscriptions) s.onLost?.();
    scheduleReconnect();
  };

  const scheduleReconnect = () => {
    if (closed || reconnectTimer) return;
    // Full jitter over a doubling ceiling: instances that lost the same server do not return in step.
    const ceiling = Math.min(FIRST_RETRY_MS * 2 ** Math.min(failures, 10), MAX_RETRY_MS);
    failures++;
    reconnectTimer = setTimeout(
      () => {
        reconnectTimer = null;
        void connect();
      },
      ceiling / 2 + Math.random() * (ceiling / 2),
    );
    reconnectTimer.unref();
  };

  /** A round trip that moves `heard` when it returns. */
  const roundTrip = async (target: pg.Client, text: string): Promise<void> => {
    const startedAt = clock.now().getTime();
    const results = (await target.query(text)) as unknown as pg.QueryResult<{ now: Date }> | Array<pg.QueryResult<{ now: Date }>>;
    const last = Array.isArray(results) ? results[results.length - 1] : results;
    if (client === target) heard = { databaseTime: last.rows[0].now, localTime: startedAt };
  };

  const listenText = () =>
    [...new Set(subscriptions.map((s) => s.channel))].map((c) => `listen "${c}";`).join(' ') + ' select clock_timestamp() as now';

  const connect = (): Promise<void> => {
    connecting ??= (async () => {
      const next = connectClient();
      next.on('error', (error) => lost(next, error.message));
      next.on('end', () => lost(next, 'connection ended'));
      next.on('notification', (message) => {
        for (const s of subscriptions) if (s.channel === message.channel) s.onNotify(message.payload ?? '');
      });
      try {
        await next.connect();
        if (closed) return drop(next);
        client = next;
        const since = heard;
        await roundTrip(next, listenText());
        if (client !== next) return;
        listening = true;
        failures = 0;
        if (lostAt !== null) for (const g of gapListeners) g(clock.now().getTime() - lostAt);
        lostAt = null;
        logger.info({}, 'listener connected');
        await Promise.all(subscriptions.map(async (s) => s.onReconnected?.(since)));
      } catch (error) {
        if (client === next) client = null;
        drop(next);
        if (!closed) {
          logger.warn({ reason: (error as Error).message }, 'listener could not connect; retrying');
          scheduleReconnect();
        }
      }
    })().finally(() => {
      connecting = null;
    });
    return connecting;
  };

  let pinging = false;
  const ping = async () => {
    const current = client;
    if (!current || connecting || pinging) return;
    pinging = true;
    const timeout = setTimeout(() => lost(current, 'ping timed out'), PING_TIMEOUT_MS);
    try {
      await roundTrip(current, 'select clock_timestamp() as now');
    } catch (error) {
      lost(current, (error as Error).message);
    } finally {
      pinging = false;
      clearTimeout(timeout);
    }
  };

  return {
    /** Adds a channel; before start, or on a live connection (then LISTENed at once). */
    subscribe(subscription: Subscription): void {
      subscriptions.push(subscription);
      const current = client;
      if (current && !connecting) current.query(`listen "${subscription.channel}"`).catch((error: Error) => lost(current, error.message));
    },
    get connected(): boolean {
      return listening;
    },
    /** This instance's clock (ms) at the start of the last round trip: every notice committed before it has been heard. */
    get heardUntil(): number | null {
      return heard?.localTime ?? null;
    },
    /** Called with the length of each gap (ms, this instance's clock) when the connection is back. */
    onGap(listener: (gapMs: number) => void): void {
      gapListeners.push(listener);
    },
    async start(): Promise<void> {
      if (started) return;
      started = true;
      pingTimer = setInterval(() => void ping(), options.pingIntervalMs ?? 1000);
      pingTimer.unref();
      await connect();
    },
    async close(): Promise<void> {
      closed = true;
      if (pingTimer) clearInterval(pingTimer);
      if (reconnectTimer) clearTimeout(reconnectTimer);
      await connecting?.catch(() => {});
      const current = client;
      client = null;
      listening = false;
      if (current) {
        current.removeAllListeners();
        current.on('error', () => {});
        await current.end().catch(() => {});
      }
    },
  };
}

export type Listener = ReturnType<typeof createListener>;
