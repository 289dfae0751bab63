import { actorOf, mayAccess, type Caller } from '../auth/caller.js';
import { ApiError, notFound } from '../errors.js';
import type { SessionsContext } from './context.js';
import type { Endings } from './endings.js';
import type { SessionStates } from './live-state/session-state.js';
import { storedActivity, toSessionResource } from './resource.js';
import type { SessionResource } from './schemas.js';
import type { ReviewAnswer } from './vocabulary.js';

/**
 * "Was this you?": the user confirms a session ("Yes, it was me": its device and country count as
 * known from then on, see risk-history.ts) or reports it ("This wasn't me": it ends at once with
 * `reported_by_user`). Services may answer on the user's behalf.
 */
export function createReviews(ctx: SessionsContext, states: SessionStates, endings: Endings) {
  const { activity, clock } = ctx;

  return async function review(id: string, answer: ReviewAnswer, caller: Caller): Promise<SessionResource> {
    const state = await states.load(id);
    if (!state || !mayAccess(caller, state.userId)) throw notFound();
    if (answer === 'reported' && caller.kind === 'user' && caller.sessionId === id) {
      throw new ApiError('cannot_revoke_current', 'The current session cannot be reported from itself; log out, or report it from another device.');
    }
    const now = clock.now();
    // An expired session ends with its expiry, not with this report.
    await states.settleExpiry(state, now.getTime());
    const reviewed = await endings.review(id, answer, actorOf(caller), now);
    if (!reviewed) throw notFound();
    return toSessionResource(reviewed.row, {
      now,
      activity: activity.overlay(id, storedActivity(reviewed.row)),
      current: caller.kind === 'user' ? id === caller.sessionId : undefined,
    });
  };
}

export type Reviews = ReturnType<typeof createReviews>;
