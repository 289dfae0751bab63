import type { Clock } from '../../clock.js';
import type { HeardPosition, Listener } from '../../db/listener.js';
import type { Logger } from '../../logger.js';
import type { EndReason } from '../vocabulary.js';

/** The channel the database announces every end on (the trigger sessions_ends_announced). */
export const ENDED_CHANNEL = 'session_registry_ended';

/** One end as a notice carries it. */
export interface EndedNotice {
  id: string;
  userId: string;
  endedAt: string;
  reason: EndReason;
}

/** One end as a catch-up reads it (`userId` null: the session was deleted). */
export interface CaughtUpEnd {
  id: string;
  userId: string | null;
  endedAt: Date;
  reason: EndReason;
}

/** Ends logged at most this long before the last round trip are read again: a transaction that wrote one may have committed after it. */
export const CATCH_UP_MARGIN_MS = 60_000;
/** A longer gap is not caught up: the cache is dropped (removals are kept an hour). */
export const CATCH_UP_MAX_GAP_MS = 30 * 60_000;
/** More ends than this in a gap: the cache is dropped rather than patched. */
export const CATCH_UP_MAX_ENDS = 100_000;

export interface RevocationFeedOptions {
  clock: Clock;
  logger: Logger;
  /** How long after the last round trip heard the cache may still answer while the feed is lost (0: not at all). */
  graceMs: number;
  onEnded(ends: ReadonlyArray<{ id: string; userId: string | null; endedAt: number; reason: EndReason }>): void;
  /** Ends logged (database time) at or after `since`, up to `limit`. */
  endsSince(since: Date, limit: number): Promise<CaughtUpEnd[]>;
  /** Forgets every cached state (a gap that cannot be caught up). */
  resync(): void;
  metrics: { caughtUp(outcome: 'caught_up' | 'resynced', ends: number): void; listenerGap(ms: number): void };
}

export type FeedMode = 'ok' | 'catching_up' | 'from_memory' | 'reconnecting';

// The ends of other instances, heard through the instance's one listener. While the listener is
// lost, the cache may answer for up to `graceMs` from the last round trip heard (an end committed
// after it may be missed until then); past that, or for a session not held, the database answers.
// When the listener is back, every end logged since shortly before that round trip is read from
// the database and applied before the cache is fully trusted again (filled, answering past grace).
export function createRevocationFeed(options: RevocationFeedOptions) {
  const { clock, logger } = options;
  let listener: Listener | null = null;
  let caughtUp = false;
  /** The local time heard until when the feed was lost and not yet caught up (grace counts from it). */
  let graceFrom: number | null = null;
  let catchUps = 0;

  const whole = () => listener !== null && listener.connected && caughtUp;

  const apply = (ends: CaughtUpEnd[]) =>
    options.onEnded(ends.map((e) => ({ id: e.id, userId: e.userId, endedAt: e.endedAt.getTime(), reason: e.reason })));

  async function catchUp(since: HeardPosition | null): Promise<void> {
    const round = ++catchUps;
    if (since === null) {
      // Never heard before: nothing was held on the strength of this feed.
      caughtUp = true;
      graceFrom = null;
      return;
    }
    let outcome: 'caught_up' | 'resynced' = 'caught_up';
    let count = 0;
    try {
      if (clock.now().getTime() - since.localTime > CATCH_UP_MAX_GAP_MS) {
        outcome = 'resynced';
      } else {
        const ends = await options.endsSince(new Date(since.databaseTime.getTime() - CATCH_UP_MARGIN_MS), CATCH_UP_MAX_ENDS + 1);
        count = ends.length;
        if (ends.length > CATCH_UP_MAX_ENDS) outcome = 'resynced';
        else apply(ends);
      }
    } catch (error) {
      logger.warn({ reason: (error as Error).message }, 'revocation catch-up failed; dropping the state cache');
      outcome = 'resynced';
    }
    // Lost again meanwhile: the next reconnect catches up from the same position.
    if (round !== catchUps) return;
    if (outcome === 'resynced') options.resync();
    options.metrics.caughtUp(outcome, outcome === 'caught_up' ? count : 0);
    caughtUp = true;
    graceFrom = null;
    logger.info({ outcome, ends: count }, 'revocation feed caught up');
  }

  return {
    /** Hears ends through `target`, the instance's listener (before or after it starts). */
    attach(target: Listener): void {
      listener = target;
      target.onGap(options.metrics.listenerGap);
      target.subscribe({
        channel: ENDED_CHANNEL,
        onNotify(payload) {
          try {
            const notices = JSON.parse(payload) as EndedNotice[];
            options.onEnded(notices.map((n) => ({ id: n.id, userId: n.userId, endedAt: Date.parse(n.endedAt), reason: n.reason })));
          } catch {
            logger.warn({ channel: ENDED_CHANNEL }, 'ignored a malformed revocation notice');
          }
        },
        onLost() {
          catchUps++;
          caughtUp = false;
          graceFrom ??= target.heardUntil;
        },
        onReconnected: (since) => catchUp(since),
      });
    },
    /** Every end is heard and the cache may be filled and trusted without bound. */
    get whole(): boolean {
      return whole();
    },
    /** The cache may answer for the sessions it holds: the feed is whole, or lost for less than the grace. */
    get trusted(): boolean {
      if (whole()) return true;
      return graceFrom !== null && options.graceMs > 0 && clock.now().getTime() - graceFrom < options.graceMs;
    },
    /** For /readyz: the feed's state and, while answering from memory, the seconds of grace left. */
    status(): { mode: FeedMode; listenerConnected: boolean; graceLeftSeconds: number | null } {
      const listenerConnected = listener?.connected ?? false;
      if (whole()) return { mode: 'ok', listenerConnected, graceLeftSeconds: null };
      const left = graceFrom === null || options.graceMs <= 0 ? 0 : options.graceMs - (clock.now().getTime() - graceFrom);
      if (left > 0) return { mode: 'from_memory', listenerConnected, graceLeftSeconds: Math.ceil(left / 1000) };
      return { mode: listenerConnected ? 'catching_up' : 'reconnecting', listenerConnected, graceLeftSeconds: null };
    },
  };
}

export type RevocationFeed = ReturnType<typeof createRevocationFeed>;
