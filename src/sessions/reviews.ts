import { actorOf, mayAccess, type Caller } from '../auth/caller.js';
import { ApiError, notFound } from '../errors.js';
import type { SessionsContext } from './context.js';
import type { Endings } from './endings.js';
import type { SessionStates } from './live-state/session-state.js';
import { storedActivity, toSessionResource } from './resource.js';
import type { SessionResource } from './schemas.js';
import type { Trust } from './trust.js';
import type { ReviewAnswer } from './vocabulary.js';

/**
 * "Was this you?": the user confirms a session ("Yes, it was me": its device and country count as
 * known from then on, see risk-history.ts) or reports it ("This wasn't me": it ends at once with
 * `reported_by_user`). Services may answer on the user's behalf, and only they may change a report.
 * Who may answer what is trust.ts's to say.
 */
export function createReviews(ctx: SessionsContext, states: SessionStates, endings: Endings, trust: Trust) {
  const { activity, clock } = ctx;

  return async function review(id: string, answer: ReviewAnswer, caller: Caller): Promise<SessionResource> {
    const state = await states.load(id);
    if (!state || !mayAccess(caller, state.userId)) throw notFound();
    const own = caller.kind === 'user' && caller.sessionId === id;
    if (answer === 'reported' && own) {
      throw new ApiError(
        'cannot_revoke_current',
        'The current session cannot be reported from itself; log out, or report it from another device.',
      );
    }
    if (own) await trust.requireNotSelfConfirming(caller, id);
    else await trust.requireTrusted(caller);
    const now = clock.now();
    // An expired session ends with its expiry, not with this report.
    await states.settleExpiry(state, now.getTime());
    const reviewed = await endings.review(id, answer, actorOf(caller), now, { reportIsFinal: caller.kind === 'user' });
    if (!reviewed) throw notFound();
    if (reviewed === 'report_is_final') {
      throw new ApiError(
        'report_is_final',
        "This session was reported as not the user's; that answer is final and only the service can change it.",
      );
    }
    return toSessionResource(reviewed.row, { now, activity: activity.overlay(id, storedActivity(reviewed.row)), viewer: caller });
  };
}

export type Reviews = ReturnType<typeof createReviews>;
