import { mayAccess, type Caller } from '../auth/caller.js';
import { ApiError, notFound } from '../errors.js';
import type { ClientHints } from '../enrich/types.js';
import { createChanges } from './changes.js';
import type { SessionsContext } from './context.js';
import { expiresAtMs } from './lifetime.js';
import type { SessionStates } from './live-state/session-state.js';
import type { EndReason } from './vocabulary.js';
import type { HeartbeatAnswer } from './schemas.js';

/** Where a heartbeat came from, as far as it is known: canonical address, cleaned User-Agent, client hints. */
export interface Observed {
  ip: string | null;
  userAgent: string | null;
  clientHints?: ClientHints | null;
}

/**
 * Where a user's own heartbeat came from, as the request says it before anything is cleaned. It
 * is compared as it is first (the same browser sends the same header every time) and cleaned only
 * when it differs from what is held.
 */
export interface RequestObservation {
  rawIp: string;
  rawUserAgent: string | null;
  /** The observation cleaned: canonical address, sanitised User-Agent, the Client Hints headers. */
  clean(): Observed;
}

const answer = (id: string, userId: string, expiresAt: number): HeartbeatAnswer => ({
  id,
  userId,
  status: 'active',
  expiresAt: new Date(expiresAt).toISOString(),
});

const ended = (endReason: EndReason | null) => new ApiError('session_ended', 'This session has ended.', { endReason });

/** Heartbeats: activity recorded in memory, and the changes of address or device they may bring. */
export function createActivity(ctx: SessionsContext, states: SessionStates) {
  const { cache, activity, feed, clock, metrics } = ctx;
  const changes = createChanges(ctx);

  /** The common case, decided and recorded in memory; null when the slow path must decide. */
  function recordInMemory(slot: number, id: string, caller: Caller, pageViews: number): HeartbeatAnswer | null {
    if (!cache.isActive(slot) || !mayAccess(caller, cache.userIdOf(slot))) return null;
    const nowMs = clock.now().getTime();
    if (cache.expiryReasonAt(slot, nowMs) !== null) return null;
    const userId = cache.userIdOf(slot);
    activity.record(id, userId, nowMs, pageViews);
    cache.touch(slot, nowMs);
    metrics.heartbeats.inc();
    return answer(id, userId, cache.expiresAt(slot));
  }

  /** Everything but the common case: a state to load, an expiry to settle, a change to record. */
  async function heartbeatWithChanges(
    id: string,
    caller: Caller,
    pageViews: number,
    { ip, userAgent, clientHints }: Observed,
  ): Promise<HeartbeatAnswer> {
    const state = await states.load(id);
    if (!state || !mayAccess(caller, state.userId)) throw notFound();
    const now = clock.now();
    const nowMs = now.getTime();
    await states.settleExpiry(state, nowMs);
    if (state.endedAt !== null) throw ended(state.endReason);
    const previousActiveAt = state.lastActiveAt;
    const newIp = ip !== null && ip !== state.ip ? ip : null;
    const newUserAgent = userAgent !== null && userAgent !== state.userAgent ? userAgent : null;
    if (newIp !== null || newUserAgent !== null)
      await changes.record(state, { ip: newIp, userAgent: newUserAgent, clientHints: clientHints ?? null }, now, previousActiveAt);
    // A change above awaited: a revoke may have landed meanwhile, and it wins.
    const end = cache.endedInfo(id);
    if (end) throw ended(end.reason);
    // Counted only once the answer is a success: a heartbeat refused (a change that could not be
    // written) is retried by its caller and must not count twice.
    activity.record(id, state.userId, nowMs, pageViews);
    states.touch(state, nowMs);
    metrics.heartbeats.inc();
    return answer(state.id, state.userId, expiresAtMs(state));
  }

  /**
   * Records activity. The common case (state in memory and trusted, nothing changed) is answered
   * synchronously, with no promise; anything else takes the asynchronous path.
   */
  function heartbeat(id: string, caller: Caller, pageViews: number, observed: Observed): HeartbeatAnswer | Promise<HeartbeatAnswer> {
    const slot = feed.trusted ? cache.slotOf(id) : -1;
    if (
      slot >= 0 &&
      (observed.ip === null || observed.ip === cache.ipOf(slot)) &&
      (observed.userAgent === null || observed.userAgent === cache.userAgentOf(slot))
    ) {
      const fast = recordInMemory(slot, id, caller, pageViews);
      if (fast) return fast;
    }
    return heartbeatWithChanges(id, caller, pageViews, observed);
  }

  /** A user's own heartbeat: as `heartbeat`, with where it came from read off the request. */
  function heartbeatAsRequested(
    id: string,
    caller: Caller,
    pageViews: number,
    request: RequestObservation,
  ): HeartbeatAnswer | Promise<HeartbeatAnswer> {
    const slot = feed.trusted ? cache.slotOf(id) : -1;
    if (
      slot >= 0 &&
      request.rawIp === cache.ipOf(slot) &&
      (request.rawUserAgent === null || request.rawUserAgent === cache.userAgentOf(slot))
    ) {
      const fast = recordInMemory(slot, id, caller, pageViews);
      if (fast) return fast;
    }
    return heartbeat(id, caller, pageViews, request.clean());
  }

  return { heartbeat, heartbeatAsRequested };
}

export type Activity = ReturnType<typeof createActivity>;
