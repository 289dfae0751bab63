import type { SessionsContext } from '../context.js';
import type { Endings } from '../endings.js';
import { expiresAtMs, expiryReason } from '../lifetime.js';
import { createBatchedReads } from './batched-reads.js';
import { stateFromRow, type SessionState } from './state-cache.js';

/**
 * The hot path's view of sessions: from memory while the revocation feed is trusted, otherwise from
 * the database (reads that miss gathered into one statement), always with this instance's unwritten
 * activity, and with an expiry settled the moment it is noticed.
 */
export function createSessionStates(ctx: SessionsContext, endings: Endings) {
  const { repositories, cache, activity, feed } = ctx;
  const reads = createBatchedReads((ids) => repositories.sessions.findStatesByIds(ids));

  async function read(id: string): Promise<SessionState | undefined> {
    const row = await reads.read(id);
    if (!row) return undefined;
    const state = stateFromRow(row);
    state.lastActiveAt = activity.overlay(id, { lastActiveAt: state.lastActiveAt, pageViews: 0, heartbeats: 0 }).lastActiveAt;
    return state;
  }

  return {
    /** A copy of the session's state (ended or not), or undefined when there is no such session. */
    async load(id: string): Promise<SessionState | undefined> {
      if (feed.trusted) {
        const cached = cache.get(id);
        if (cached) return cached;
      }
      const generation = cache.generation;
      const wholeAtRead = feed.whole;
      const state = await read(id);
      if (!state) return undefined;
      if (wholeAtRead && feed.whole) cache.fill(state, generation);
      // An end seen while the read was in flight is the truth, whatever the read returned.
      const end = cache.endedInfo(id);
      if (end && state.endedAt === null) {
        state.endedAt = end.endedAt;
        state.endReason = end.reason;
      }
      return state;
    },

    /** Activity at `nowMs` on a loaded state, and on the cached one. */
    touch(state: SessionState, nowMs: number): void {
      if (nowMs > state.lastActiveAt) state.lastActiveAt = nowMs;
      const slot = cache.slotOf(state.id);
      if (slot >= 0) cache.touch(slot, nowMs);
    },

    /**
     * Ends the session now if its lifetime has run out at `nowMs` (writing every expired session
     * of its user), and leaves the end on `state`.
     */
    async settleExpiry(state: SessionState, nowMs: number): Promise<void> {
      if (state.endedAt !== null) return;
      let reason = expiryReason(state, nowMs);
      if (reason === null) return;
      if (reason === 'idle_timeout') {
        // Another instance may have seen activity this one has not: ask the database first.
        const fresh = await read(state.id);
        if (fresh && fresh.endedAt !== null && fresh.endReason !== null) {
          cache.markEnded(state.id, fresh.endedAt, fresh.endReason);
          state.endedAt = fresh.endedAt;
          state.endReason = fresh.endReason;
          return;
        }
        if (fresh) state.lastActiveAt = Math.max(state.lastActiveAt, fresh.lastActiveAt);
        reason = expiryReason(state, nowMs);
        if (reason === null) return;
      }
      await endings.expireForUser(state.userId, new Date(nowMs));
      // Seen as ended at once, whether or not this call was the one that wrote it.
      const end = cache.endedInfo(state.id);
      state.endedAt = end?.endedAt ?? expiresAtMs(state);
      state.endReason = end?.reason ?? reason;
    },
  };
}

export type SessionStates = ReturnType<typeof createSessionStates>;
