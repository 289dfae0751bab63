import { sql, type RawBuilder } from 'kysely';
import type { DatabaseHandle } from '../../db/database.js';
import { translatingErrors } from '../../db/errors.js';
import { expiry } from '../lifetime.js';
import type { EndReason } from '../vocabulary.js';
import type { CaughtUpEnd } from './revocation-feed.js';
import { isEnded, qualified, RESOURCE_COLUMNS, type EndedRow, type ResourceRow } from './columns.js';

// Every statement that ends sessions. Each ends its sessions and records an event per end in one
// statement; the database itself announces every end to every instance (the trigger
// sessions_ends_announced, migrations/20261220300000_ended_trigger.ts), whatever statement wrote
// it. Only endings.ts calls these, and it updates this instance's cache with what they return.
// Statements elsewhere that end sessions (batches, admissions, reports) record their events with
// recordEnds too.

/** Any fixed key: the transaction-level advisory lock that lets one instance at a time sweep. */
export const SWEEP_LOCK_KEY = 7261120301;

/** A CTE over `ended` (the rows ended by the same statement): an event each. */
export const recordEnds = (eventType: 'ended' | 'expired') => sql`
  events as (
    insert into session_events (session_id, user_id, at, type, actor, data)
    select id, user_id, ended_at, ${eventType}::text, ended_by, jsonb_build_object('reason', end_reason) from ended
  )`;

/** Sessions with activity pending in this instance's memory: never ended or moved by expiry. */
const notSkipped = (skipIds: string[]) => sql<boolean>`not (id = any(${skipIds}::uuid[]))`;

type TouchedRow = Omit<EndedRow, 'ended_at' | 'end_reason'> & { ended_at: Date | null; end_reason: EndReason | null };

/**
 * One statement over the sessions `due` selects (a query yielding `id`): those expired at `now`
 * end at the moment their limit was reached, not when it was noticed; the others were active
 * since they became due, and their expiry_check_at moves to their real expiry (after `now`).
 * Both are decided under the row lock the update takes: a concurrent end or flush wins.
 */
function expireStatement(due: RawBuilder<unknown>, now: Date) {
  const expired = expiry.isExpired(now);
  return sql<TouchedRow>`
    with due as (${due}),
    touched as (
      update sessions set
        ended_at = case when ${expired} then ${expiry.at} end,
        end_reason = case when ${expired} then ${expiry.reason} end,
        ended_by = case when ${expired} then 'expiry' end,
        expiry_check_at = case when ${expired} then expiry_check_at else ${expiry.at} end
      where id = any(array(select id from due)) and ended_at is null
      returning id, user_id, ended_at, end_reason, ended_by
    ),
    ended as (select * from touched where ended_at is not null),
    ${recordEnds('expired')}
    select t.id, t.user_id, t.ended_at, t.end_reason from touched t`;
}

/**
 * The sweeper's batch: the `limit` sessions due first, found through sessions_expiry_check. The
 * advisory lock is tried (never waited for) before the first due row is read and held until the
 * statement commits; without it the batch is empty and the round is left to the instance holding it.
 */
export function sweepStatement(now: Date, skipIds: string[], limit: number) {
  return expireStatement(
    sql`
      select id from sessions
      where ended_at is null and expiry_check_at <= ${now} and ${notSkipped(skipIds)}
        and (select pg_try_advisory_xact_lock(${SWEEP_LOCK_KEY}))
      order by expiry_check_at
      limit ${limit}`,
    now,
  );
}

export function createSessionEndsRepository({ db }: DatabaseHandle) {
  /** Ends the active sessions `where` selects: rows and events in one statement. */
  async function endWhere(where: RawBuilder<boolean>, reason: EndReason, actor: string | null, at: Date): Promise<ResourceRow[]> {
    const { rows } = await sql<ResourceRow>`
      with ended as (
        update sessions set ended_at = ${at}, end_reason = ${reason}, ended_by = ${actor}
        where ${where} and ended_at is null
        returning *
      ),
      ${recordEnds('ended')}
      select ${sql.raw(qualified('ended', RESOURCE_COLUMNS))} from ended`.execute(db);
    return rows;
  }

  return translatingErrors({
    /** Ends one session unless it has already ended; the row either way (undefined: no such session). */
    async endOne(
      id: string,
      reason: EndReason,
      actor: string | null,
      at: Date,
    ): Promise<{ row: ResourceRow; changed: boolean } | undefined> {
      const [ended] = await endWhere(sql<boolean>`id = ${id}`, reason, actor, at);
      if (ended) return { row: ended, changed: true };
      // Read after the statement, not inside it: its snapshot could predate a concurrent end.
      const existing = await db.selectFrom('sessions').select(RESOURCE_COLUMNS).where('id', '=', id).executeTakeFirst();
      return existing ? { row: existing, changed: false } : undefined;
    },

    /**
     * Writes expiry for a user's sessions past their limits at `now` (through the user's index,
     * whatever their expiry_check_at). Sessions with activity buffered in this instance are
     * skipped: they are not idle.
     */
    async expireForUser(userId: string, now: Date, skipIds: string[]): Promise<EndedRow[]> {
      const due = sql`
        select id from sessions
        where user_id = ${userId} and ended_at is null and ${expiry.isExpired(now)} and ${notSkipped(skipIds)}
        limit 1000`;
      const { rows } = await expireStatement(due, now).execute(db);
      return rows.filter(isEnded);
    },

    /**
     * One sweeper batch (see sweepStatement). `checked` counts the due sessions ended or moved
     * on: each leaves the due set and skipped ones are not selected, so `checked < limit` means
     * none is left.
     */
    async expireDue(now: Date, skipIds: string[], limit: number): Promise<{ ended: EndedRow[]; checked: number }> {
      const { rows } = await sweepStatement(now, skipIds, limit).execute(db);
      return { ended: rows.filter(isEnded), checked: rows.length };
    },

    /**
     * Ends logged (database time, the trigger sessions_end_logged) at or after `since`, and sessions
     * removed since then (userId null): what a revocation catch-up applies. Through
     * sessions_ended_logged and session_removals_at, however large the table.
     */
    async endsSince(since: Date, limit: number): Promise<CaughtUpEnd[]> {
      const { rows } = await sql<CaughtUpEnd>`
        (select id, user_id as "userId", ended_at as "endedAt", end_reason as reason
         from sessions where ended_logged_at >= ${since} and ended_at is not null
         order by ended_logged_at limit ${limit})
        union all
        (select session_id, null, removed_at, 'erased' from session_removals
         where removed_at >= ${since} order by removed_at limit ${limit})`.execute(db);
      return rows;
    },

    /** Deletes up to `limit` sessions (and their events) that ended before `before`; how many. */
    async purgeEnded(before: Date, limit: number): Promise<number> {
      return db.transaction().execute(async (trx) => {
        const doomed = await trx
          .selectFrom('sessions')
          .select('id')
          .where('ended_at', '<', before)
          .limit(limit)
          .forUpdate()
          .skipLocked()
          .execute();
        if (doomed.length === 0) return 0;
        const ids = doomed.map((d) => d.id);
        await trx.deleteFrom('session_events').where('session_id', 'in', ids).execute();
        const result = await trx.deleteFrom('sessions').where('id', 'in', ids).executeTakeFirst();
        return Number(result.numDeletedRows);
      });
    },
  });
}

export type SessionEndsRepository = ReturnType<typeof createSessionEndsRepository>;
