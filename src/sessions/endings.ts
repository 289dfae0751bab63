import type { RawBuilder } from 'kysely';
import type { SessionsContext } from './context.js';
import type { Admission, AdmissionLimit } from './repositories/admissions.js';
import type { Batch, UserPosition } from './repositories/batch-ends.js';
import type { EndedRow, ResourceRow } from './repositories/columns.js';
import type { Reviewed } from './repositories/session-reviews.js';
import type { EventInput } from './repositories/session-events.js';
import type { NewSessionRow } from './repositories/sessions.js';
import type { EndReason, ReviewAnswer } from './vocabulary.js';

/** Sessions ended per statement when many end at once. */
export const END_BATCH = 1000;

/** How many sessions a call ended, and (up to the bound it was given) which. */
export interface ManyEnded {
  count: number;
  ids: string[];
}

/**
 * Every way a session ends, for every caller: a revoke, a logout, an expiry written at read time
 * or by the sweeper, an eviction at login, a report, an erasure. Each goes through `remember`,
 * which tells this instance's cache at once (the other instances learn it from the revocation
 * feed), so no caller can forget to.
 */
export function createEndings(ctx: SessionsContext) {
  const { repositories, cache, activity, metrics, lists } = ctx;

  /** `ended` holds ends that were just written, or (`counted` false) ends found already written. */
  function remember(ended: ReadonlyArray<Pick<EndedRow, 'id' | 'user_id' | 'ended_at' | 'end_reason'>>, counted = true): void {
    for (const row of ended) {
      cache.markEnded(row.id, row.ended_at.getTime(), row.end_reason);
      lists.changed(row.user_id);
    }
    if (counted && ended.length > 0) metrics.sessionsEnded(ended.map((row) => row.end_reason));
  }

  /** Runs batches until one comes back short, remembering each batch's ends as it commits. */
  async function inBatches<P>(next: (after: P | null) => Promise<Batch<P>>, idsBound: number): Promise<ManyEnded> {
    const result: ManyEnded = { count: 0, ids: [] };
    let after: P | null = null;
    for (;;) {
      const batch = await next(after);
      remember(batch.ended);
      result.count += batch.ended.length;
      for (const row of batch.ended) if (result.ids.length < idsBound) result.ids.push(row.id);
      if (batch.checked < END_BATCH || batch.next === null) return result;
      after = batch.next;
    }
  }

  return {
    /** Ends one session; ending an ended one changes nothing and returns it as it is. */
    async endOne(id: string, reason: EndReason, actor: string, at: Date): Promise<ResourceRow | undefined> {
      const result = await repositories.ends.endOne(id, reason, actor, at);
      if (!result) return undefined;
      const { row, changed } = result;
      if (row.ended_at !== null && row.end_reason !== null)
        remember([{ id: row.id, user_id: row.user_id, ended_at: row.ended_at, end_reason: row.end_reason }], changed);
      return row;
    },

    /** Ends every active session of a user (but `exceptId`) in batches; ids up to `idsBound`. */
    endAllForUser(
      userId: string,
      exceptId: string | null,
      reason: EndReason,
      actor: string,
      at: Date,
      idsBound: number,
    ): Promise<ManyEnded> {
      return inBatches<UserPosition>(
        (after) => repositories.batchEnds.endUserBatch(userId, exceptId, after, END_BATCH, { reason, actor, at }),
        idsBound,
      );
    },

    /**
     * Ends active sessions `match` selects, across users, in batches, but never more than `most`:
     * each batch asks for no more than what is left of it.
     */
    async endMatchingUpTo(match: RawBuilder<boolean>, most: number, reason: EndReason, actor: string, at: Date): Promise<number> {
      let count = 0;
      let after: string | null = null;
      while (count < most) {
        const limit = Math.min(END_BATCH, most - count);
        const batch = await repositories.batchEnds.endMatchingBatch(match, after, limit, { reason, actor, at });
        remember(batch.ended);
        count += batch.ended.length;
        if (batch.checked < limit || batch.next === null) break;
        after = batch.next;
      }
      return count;
    },

    /** A login under a session limit: the sessions it evicts end here. */
    async admit(row: NewSessionRow, login: EventInput, limit: AdmissionLimit): Promise<Admission> {
      const admission = await repositories.admissions.admit(row, login, limit);
      remember(admission.evicted);
      return admission;
    },

    /** Records the user's answer about a session; a report of an active one ends it. */
    async review(
      id: string,
      state: ReviewAnswer,
      actor: string,
      at: Date,
      options: { reportIsFinal: boolean },
    ): Promise<Reviewed | 'report_is_final' | undefined> {
      const reviewed = await repositories.reviews.review(id, state, actor, at, options);
      if (reviewed === undefined || reviewed === 'report_is_final') return reviewed;
      lists.changed(reviewed.row.user_id);
      if (reviewed.ended) remember([reviewed.ended]);
      return reviewed;
    },

    /** Writes the expiry of a user's sessions that are past their limits at `now`. */
    async expireForUser(userId: string, now: Date): Promise<EndedRow[]> {
      const ended = await repositories.ends.expireForUser(userId, now, activity.pendingIds());
      remember(ended);
      return ended;
    },

    /** One sweeper batch (see SessionEndsRepository.expireDue). */
    async expireDue(now: Date, limit: number): Promise<{ ended: EndedRow[]; checked: number }> {
      const batch = await repositories.ends.expireDue(now, activity.pendingIds(), limit);
      remember(batch.ended);
      return batch;
    },
  };
}

export type Endings = ReturnType<typeof createEndings>;
