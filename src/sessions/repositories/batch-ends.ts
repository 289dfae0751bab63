import { sql, type RawBuilder } from 'kysely';
import type { DatabaseHandle } from '../../db/database.js';
import { translatingErrors } from '../../db/errors.js';
import type { EndReason } from '../vocabulary.js';
import type { EndedRow } from './columns.js';
import { recordEnds } from './session-ends.js';

// Ends of many sessions, one bounded batch per statement: each batch commits on its own, so a
// hundred thousand ends never hold one long lock nor meet the statement timeout, and each batch
// records its events and notifies every instance as any other end does (see session-ends.ts).

/** Where a walk over a user's sessions stands: after this login (created_at, then id). */
export interface UserPosition {
  createdAt: Date;
  id: string;
}

export interface Batch<P> {
  ended: EndedRow[];
  /** Sessions the batch looked at (ended now or not): fewer than asked means the walk is over. */
  checked: number;
  /** Where the next batch starts. */
  next: P | null;
}

interface BatchRow {
  id: string;
  user_id: string;
  ended_at: Date;
  end_reason: EndReason;
  checked: number;
  /** The batch's last session in login order, and its greatest id. */
  last_id: string | null;
  last_created_at: Date | null;
  max_id: string | null;
}

/**
 * Ends the sessions the CTE `batch` (id, created_at) selects, unless already ended. `scope` narrows
 * the update to an index (a user's sessions) so that its plan never walks more than that.
 */
function endBatch(batch: RawBuilder<unknown>, scope: RawBuilder<boolean>, reason: EndReason, actor: string | null, at: Date) {
  return sql<BatchRow>`
    with batch as (${batch}),
    ended as (
      update sessions set ended_at = ${at}, end_reason = ${reason}, ended_by = ${actor}
      where ${scope} and ended_at is null and id = any(array(select id from batch))
      returning id, user_id, ended_at, end_reason, ended_by
    ),
    ${recordEnds('ended')},
    walk as (
      select count(*)::int as checked, (array_agg(id order by created_at desc, id desc))[1] as last_id, max(created_at) as last_created_at,
             (array_agg(id order by id desc))[1] as max_id
      from batch
    )
    select e.id, e.user_id, e.ended_at, e.end_reason, w.checked, w.last_id, w.last_created_at, w.max_id
    from walk w left join ended e on true`;
}

function toBatch<P>(rows: BatchRow[], next: (row: BatchRow) => P | null): Batch<P> {
  const [first] = rows;
  return {
    ended: rows.filter((r) => r.id !== null).map((r) => ({ id: r.id, user_id: r.user_id, ended_at: r.ended_at, end_reason: r.end_reason })),
    checked: first?.checked ?? 0,
    next: first ? next(first) : null,
  };
}

export function createBatchEndsRepository({ db }: DatabaseHandle) {
  return translatingErrors({
    /**
     * Ends the next `limit` active sessions of a user (but `exceptId`), walking them in login order
     * through sessions_user_created, so each batch starts where the last one stopped.
     */
    async endUserBatch(
      userId: string,
      exceptId: string | null,
      after: UserPosition | null,
      limit: number,
      end: { reason: EndReason; actor: string | null; at: Date },
    ): Promise<Batch<UserPosition>> {
      const except = exceptId === null ? sql<boolean>`true` : sql<boolean>`id <> ${exceptId}`;
      // The first condition alone is an index bound; the second orders logins of the same instant.
      const from =
        after === null
          ? sql<boolean>`true`
          : sql<boolean>`created_at >= ${after.createdAt} and (created_at > ${after.createdAt} or id > ${after.id})`;
      const batch = sql`
        select id, created_at from sessions
        where user_id = ${userId} and ended_at is null and ${except} and ${from}
        order by created_at, id
        limit ${limit}`;
      const { rows } = await endBatch(batch, sql<boolean>`user_id = ${userId}`, end.reason, end.actor, end.at).execute(db);
      return toBatch(rows, (r) => (r.last_id && r.last_created_at ? { id: r.last_id, createdAt: r.last_created_at } : null));
    },

    /**
     * Ends the next `limit` active sessions that `match` selects (a condition on sessions), in id
     * order after `afterId`: each batch starts where the last one stopped.
     */
    async endMatchingBatch(
      match: RawBuilder<boolean>,
      afterId: string | null,
      limit: number,
      end: { reason: EndReason; actor: string | null; at: Date },
    ): Promise<Batch<string>> {
      const from = afterId === null ? sql<boolean>`true` : sql<boolean>`id > ${afterId}`;
      const batch = sql`
        select id, created_at from sessions
        where ended_at is null and ${match} and ${from}
        order by id
        limit ${limit}`;
      const { rows } = await endBatch(batch, sql<boolean>`true`, end.reason, end.actor, end.at).execute(db);
      return toBatch(rows, (r) => r.max_id);
    },
  });
}

export type BatchEndsRepository = ReturnType<typeof createBatchEndsRepository>;
