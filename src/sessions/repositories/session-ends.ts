import { sql, type RawBuilder } from 'kysely';
import type { DatabaseHandle } from '../../db/database.js';
import { translatingErrors } from '../../db/errors.js';
import { expiry } from '../lifetime.js';
import type { EndReason } from '../vocabulary.js';
import { isEnded, qualified, RESOURCE_COLUMNS, type EndedRow, type ResourceRow } from './columns.js';
import { ENDED_CHANNEL } from './revocation-feed.js';

// Every statement that ends sessions. Each ends its sessions, records an event per end and
// notifies every instance in one statement: the three commit or roll back together (NOTIFY is
// delivered on commit). Only endings.ts calls these, and it updates this instance's cache with
// what they return. Statements elsewhere that end sessions (batches, admissions, reports) record
// their ends with recordEnds too.

/** Any fixed key: the transaction-level advisory lock that lets one instance at a time sweep. */
export const SWEEP_LOCK_KEY = 7261120301;
/** Ends per notice: far below NOTIFY's 8000-byte cap, whatever the user ids. */
const ENDS_PER_NOTICE = 40;
const NOTICE_BYTES = 6000;

/**
 * CTEs over `ended` (the rows ended by the same statement): an event each, and the notices, JSON
 * arrays the revocation feed parses (endedAt as toISOString writes it). `notified` is a plain
 * SELECT, which PostgreSQL runs only if the outer query reads it: every statement using this must
 * join it.
 */
export const recordEnds = (eventType: 'ended' | 'expired') => sql`
  events as (
    insert into session_events (session_id, user_id, at, type, actor, data)
    select id, user_id, ended_at, ${eventType}::text, ended_by, jsonb_build_object('reason', end_reason) from ended
  ),
  notice as (
    select item, row_number() over w as rn, sum(octet_length(item)) over w as bytes
    from (
      select n.id, row_to_json(n)::text as item
      from (
        select id, user_id as "userId", to_char(ended_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "endedAt", end_reason as reason
        from ended
      ) n
    ) i
    window w as (order by id rows unbounded preceding)
  ),
  notified as (
    select count(pg_notify(${ENDED_CHANNEL}, payload)) as sent
    from (
      select '[' || string_agg(item, ',' order by rn) || ']' as payload from notice
      group by (rn - 1) / ${ENDS_PER_NOTICE}, (bytes - 1) / ${NOTICE_BYTES}
    ) slices
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
    select t.id, t.user_id, t.ended_at, t.end_reason from touched t cross join notified`;
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
  /** Ends the active sessions `where` selects: rows, events and notices in one statement. */
  async function endWhere(where: RawBuilder<boolean>, reason: EndReason, actor: string | null, at: Date): Promise<ResourceRow[]> {
    const { rows } = await sql<ResourceRow>`
      with ended as (
        update sessions set ended_at = ${at}, end_reason = ${reason}, ended_by = ${actor}
        where ${where} and ended_at is null
        returning *
      ),
      ${recordEnds('ended')}
      select ${sql.raw(qualified('ended', RESOURCE_COLUMNS))} from ended cross join notified`.execute(db);
    return rows;
  }

  return translatingErrors({
    /** Ends one session unless it has already ended; the row either way (undefined: no such session). */
    async endOne(id: string, reason: EndReason, actor: string | null, at: Date): Promise<{ row: ResourceRow; changed: boolean } | undefined> {
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

    /** Deletes up to `limit` sessions (and their events) that ended before `before`; how many. */
    async purgeEnded(before: Date, limit: number): Promise<number> {
      return db.transaction().execute(async (trx) => {
        const doomed = await trx.selectFrom('sessions').select('id').where('ended_at', '<', before).limit(limit).forUpdate().skipLocked().execute();
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
