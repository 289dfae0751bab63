import type { SessionsContext } from './context.js';
import type { EndedRow, ResourceRow } from './repositories/columns.js';
import type { EndReason } from './vocabulary.js';

/**
 * Every way a session ends, for every caller: a revoke, a logout, an expiry written at read time
 * or by the sweeper. Each goes through `remember`, which tells this instance's cache at once (the
 * other instances learn it from the revocation feed), so no caller can forget to.
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

  return {
    /** Ends one session; ending an ended one changes nothing and returns it as it is. */
    async endOne(id: string, reason: EndReason, actor: string, at: Date): Promise<ResourceRow | undefined> {
      const result = await repositories.ends.endOne(id, reason, actor, at);
      if (!result) return undefined;
      const { row, changed } = result;
      if (row.ended_at !== null && row.end_reason !== null) remember([{ id: row.id, user_id: row.user_id, ended_at: row.ended_at, end_reason: row.end_reason }], changed);
      return row;
    },

    async endAllForUser(userId: string, exceptId: string | null, reason: EndReason, actor: string, at: Date): Promise<ResourceRow[]> {
      const rows = await repositories.ends.endAllForUser(userId, exceptId, reason, actor, at);
      remember(rows.map((row) => ({ id: row.id, user_id: row.user_id, ended_at: at, end_reason: reason })));
      return rows;
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
