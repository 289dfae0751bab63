import { actorOf, mayAccess, type Caller } from '../auth/caller.js';
import { ApiError, notFound } from '../errors.js';
import type { SessionsContext } from './context.js';
import type { Endings, ManyEnded } from './endings.js';
import type { SessionStates } from './live-state/session-state.js';
import { storedActivity, toSessionResource } from './resource.js';
import type { RevokeAnswer, SessionResource } from './schemas.js';
import type { Trust } from './trust.js';
import type { EndReason } from './vocabulary.js';

/** Ids an answer lists at most: a revoke of a hundred thousand sessions answers with a count. */
export const REVOKED_IDS_BOUND = 1000;

export const revokeAnswer = (ended: ManyEnded): RevokeAnswer =>
  ended.count > ended.ids.length ? { revoked: ended.count, ids: ended.ids, idsTruncated: true } : { revoked: ended.count, ids: ended.ids };

/**
 * Ending sessions on request: one (revoke, sign out elsewhere, log out) or all of a user's. A user's
 * session may always end itself; ending others takes a trusted one (trust.ts).
 */
export function createRevocation(ctx: SessionsContext, states: SessionStates, endings: Endings, trust: Trust) {
  const { activity, clock } = ctx;

  return {
    async end(id: string, caller: Caller, reason: EndReason): Promise<SessionResource> {
      const state = await states.load(id);
      if (!state || !mayAccess(caller, state.userId)) throw notFound();
      if (caller.kind === 'user' && caller.sessionId === id && reason !== 'logout') {
        throw new ApiError('cannot_revoke_current', 'The current session cannot be ended from the list; log out instead.');
      }
      if (caller.kind === 'user' && caller.sessionId !== id) await trust.requireTrusted(caller);
      const now = clock.now();
      // An expired session ends with its expiry, not with this request.
      await states.settleExpiry(state, now.getTime());
      const row = await endings.endOne(id, reason, actorOf(caller), now);
      if (!row) throw notFound();
      return toSessionResource(row, { now, activity: activity.overlay(id, storedActivity(row)), viewer: caller });
    },

    /** Ends every active session of a user (but `exceptId`), in batches; the answer lists ids up to a bound. */
    async endAllForUser(userId: string, exceptId: string | null, reason: EndReason, caller: Caller): Promise<RevokeAnswer> {
      await trust.requireTrusted(caller);
      const ended = await endings.endAllForUser(userId, exceptId, reason, actorOf(caller), clock.now(), REVOKED_IDS_BOUND);
      return revokeAnswer(ended);
    },
  };
}

export type Revocation = ReturnType<typeof createRevocation>;
