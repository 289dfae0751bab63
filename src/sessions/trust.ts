import type { Caller } from '../auth/caller.js';
import { ApiError } from '../errors.js';
import type { SessionsContext } from './context.js';
import type { ResourceRow } from './repositories/columns.js';

// What a session may do to the user's other sessions. A session the risk rules flagged and nobody
// has confirmed yet may be the attacker's: while it is new it must not be able to sign the owner
// out, report the owner's devices or vouch for itself (Telegram refuses the same to a device that
// has just signed in). The rules, in full, are in the "Trust rules" of the security decisions.

type TrustRow = Pick<ResourceRow, 'created_at' | 'risk' | 'review_state'>;

/** Flagged by the risk rules and not answered yet: the user has not said it was them. */
export function isFlaggedUnreviewed(row: Pick<TrustRow, 'risk' | 'review_state'>): boolean {
  return row.risk.flags.length > 0 && row.review_state === 'unreviewed';
}

/** The moment a flagged, unreviewed session may act on others without a confirmation. */
export function trustedFrom(row: Pick<TrustRow, 'created_at'>, trustAfterSeconds: number): Date {
  return new Date(row.created_at.getTime() + trustAfterSeconds * 1000);
}

/** Flagged, unreviewed and younger than SESSION_TRUST_AFTER. */
export function isUntrusted(row: TrustRow, now: Date, trustAfterSeconds: number): boolean {
  return isFlaggedUnreviewed(row) && now.getTime() < trustedFrom(row, trustAfterSeconds).getTime();
}

export function createTrust(ctx: SessionsContext) {
  const { repositories, clock, limits } = ctx;

  /** The caller's own session as stored (a user caller's session exists: authentication found it). */
  async function own(caller: Extract<Caller, { kind: 'user' }>): Promise<TrustRow> {
    const row = await repositories.sessions.findById(caller.sessionId);
    // Gone between authentication and here (erased): nothing it could do is allowed.
    if (!row) throw new ApiError('unauthorized', 'The session token is not valid.');
    return row;
  }

  return {
    /**
     * Refuses (403 session_not_yet_trusted) a user caller whose session is untrusted: it may not
     * end, report or confirm other sessions. Services are always trusted.
     */
    async requireTrusted(caller: Caller): Promise<void> {
      if (caller.kind !== 'user') return;
      const row = await own(caller);
      if (!isUntrusted(row, clock.now(), limits.trustAfterSeconds)) return;
      const from = trustedFrom(row, limits.trustAfterSeconds);
      throw new ApiError(
        'session_not_yet_trusted',
        `This session was flagged as unusual and is new: it cannot end, report or confirm other sessions until another of the user's devices confirms it, or until ${from.toISOString()}.`,
        { trustedFrom: from.toISOString() },
      );
    },

    /** Refuses (403 confirm_from_another_device) a flagged, unreviewed session confirming itself. */
    async requireNotSelfConfirming(caller: Caller, id: string): Promise<void> {
      if (caller.kind !== 'user' || caller.sessionId !== id) return;
      if (!isFlaggedUnreviewed(await own(caller))) return;
      throw new ApiError(
        'confirm_from_another_device',
        "A session flagged as unusual cannot confirm itself: confirm it from another of the user's devices.",
      );
    },
  };
}

export type Trust = ReturnType<typeof createTrust>;
