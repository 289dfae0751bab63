import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Database, SessionRow, SessionEventRow } from '../db/types.js';
import type { Location, Network, Risk } from '../enrich/types.js';
import type pg from 'pg';
import type { DtoRow } from './dto.js';
import { insertSession, listPage, sessionHistory, type HistoryRow } from './hot-statements.js';

// Every statement about sessions lives here. Each one is scoped by a session id or a user id so
// the table can be distributed by user_id without rewriting queries.

export const ENDED_CHANNEL = 'session_registry_ended';

export type ListStatus = 'active' | 'ended' | 'all';
export interface ListCursor {
  /** 0 = active group, 1 = ended group (status=all lists active first). */
  g: 0 | 1;
  t: string;
  id: string;
}

export interface EndedNotice {
  id: string;
  userId: string;
  endedAt: string;
  reason: string;
}

export interface ActivityDelta {
  id: string;
  lastActiveAt: Date;
  pageViews: number;
  heartbeats: number;
}

export interface SessionEventInput {
  sessionId: string;
  userId: string;
  at: Date;
  type: string;
  actor: string | null;
  data?: Record<string, unknown>;
}

/** Sessions with activity pending in this instance's memory: never ended or moved by expiry. */
const notSkipped = (skipIds: string[]) => sql<boolean>`not (id = any(${skipIds}::uuid[]))`;
const idleEnd = sql<Date>`last_active_at + make_interval(secs => idle_timeout_seconds)`;
const expiredAt = (now: Date) => sql<boolean>`(absolute_expires_at <= ${now} or ${idleEnd} <= ${now})`;

/** Any fixed key: the transaction-level advisory lock that lets one instance at a time sweep. */
export const SWEEP_LOCK_KEY = 7261120301;

/** What expiry reports per session it ended (or, for the sweeper, looked at: ended_at null). */
export type ExpiryRow = Pick<SessionRow, 'id' | 'user_id' | 'ended_at' | 'end_reason'>;

/**
 * CTEs for the rows of `ended` (ended by the same statement): an event each, and the
 * cross-instance notices. Ends made in one statement commit or roll back with their events and
 * notices (NOTIFY is delivered on commit). A notice is the JSON array the listener parses (as
 * JSON.stringify would write it, endedAt as toISOString does), at most 40 ends and far below
 * NOTIFY's 8000-byte cap whatever the user ids. `notified` is a plain SELECT, which PostgreSQL
 * runs only if the outer query reads it: every statement using this must join it.
 */
const recordEnds = (eventType: 'ended' | 'expired') => sql`
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
    from (select '[' || string_agg(item, ',' order by rn) || ']' as payload from notice group by (rn - 1) / 40, (bytes - 1) / 6000) slices
  )`;

/**
 * One statement over the sessions `due` selects (a query yielding `id`): those expired at `now`
 * end at the moment their limit was reached, not when it was noticed; the others were active
 * since they became due, and their expiry_check_at moves to their real expiry (after `now`).
 * Both are decided under the row lock the update takes: a concurrent end or flush wins.
 */
function expireStatement(due: RawBuilder<unknown>, now: Date) {
  const expired = expiredAt(now);
  return sql<ExpiryRow>`
    with due as (${due}),
    touched as (
      update sessions set
        ended_at = case when ${expired} then least(absolute_expires_at, ${idleEnd}) end,
        end_reason = case when ${expired} then (case when absolute_expires_at <= ${idleEnd} then 'max_age' else 'idle_timeout' end) end,
        ended_by = case when ${expired} then 'expiry' end,
        expiry_check_at = case when ${expired} then expiry_check_at else least(absolute_expires_at, ${idleEnd}) end
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
 * statement commits; without it the batch is empty and this round is left to the instance
 * holding it.
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


export function createSessionRepository(db: Kysely<Database>, pool: pg.Pool) {
  async function insertEvents(trx: Transaction<Database> | Kysely<Database>, events: SessionEventInput[]): Promise<void> {
    if (events.length === 0) return;
    await trx
      .insertInto('session_events')
      .values(
        events.map((e) => ({
          session_id: e.sessionId,
          user_id: e.userId,
          at: e.at,
          type: e.type,
          actor: e.actor,
          data: JSON.stringify(e.data ?? {}),
        })),
      )
      .execute();
  }

  /** Ends the active sessions `where` selects in one statement: rows, events and notices. */
  async function endWhere(where: RawBuilder<boolean>, reason: string, actor: string | null, at: Date): Promise<SessionRow[]> {
    const { rows } = await sql<SessionRow>`
      with ended as (
        update sessions set ended_at = ${at}, end_reason = ${reason}, ended_by = ${actor}
        where ${where} and ended_at is null
        returning *
      ),
      ${recordEnds('ended')}
      select ended.* from ended cross join notified`.execute(db);
    return rows;
  }

  return {
    /** The session and its login event in one statement (atomic, one round trip). */
    insert(row: SessionRow, event: SessionEventInput): Promise<void> {
      return insertSession(pool, row, event);
    },

    findById(id: string): Promise<SessionRow | undefined> {
      return db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
    },

    /** The few columns the hot path needs to answer "is this session usable". */
    findStateById(id: string) {
      return db
        .selectFrom('sessions')
        .select([
          'id',
          'user_id',
          'token_hash',
          'created_at',
          'last_active_at',
          'idle_timeout_seconds',
          'absolute_expires_at',
          'ended_at',
          'end_reason',
          'ip',
          'user_agent',
        ])
        .where('id', '=', id)
        .executeTakeFirst();
    },

    listByUser(options: { userId: string; status: ListStatus; limit: number; cursor: ListCursor | null; flagged: boolean }): Promise<DtoRow[]> {
      return listPage(pool, options);
    },

    /** Ends one session unless it has already ended; returns the row either way (undefined: no such session). */
    async endOne(id: string, reason: string, actor: string | null, at: Date): Promise<{ row: SessionRow; changed: boolean } | undefined> {
      const [ended] = await endWhere(sql<boolean>`id = ${id}`, reason, actor, at);
      if (ended) return { row: ended, changed: true };
      // Read after the statement, not inside it: its snapshot could predate a concurrent end.
      const existing = await this.findById(id);
      return existing ? { row: existing, changed: false } : undefined;
    },

    /** Ends every active session of a user, optionally but one. */
    endAllForUser(userId: string, exceptId: string | null, reason: string, actor: string | null, at: Date): Promise<SessionRow[]> {
      const except = exceptId === null ? sql<boolean>`true` : sql<boolean>`id <> ${exceptId}`;
      return endWhere(sql<boolean>`user_id = ${userId} and ${except}`, reason, actor, at);
    },

    /**
     * Writes expiry for a user's sessions that are past their idle or absolute limit at `now`
     * (through the user's index, whatever their expiry_check_at). Sessions with activity still
     * buffered in this instance are skipped: they are not idle.
     */
    async expireForUser(userId: string, now: Date, skipIds: string[]): Promise<ExpiryRow[]> {
      const due = sql`
        select id from sessions
        where user_id = ${userId} and ended_at is null and ${expiredAt(now)} and ${notSkipped(skipIds)}
        limit 1000`;
      const { rows } = await expireStatement(due, now).execute(db);
      return rows.filter((r) => r.ended_at !== null);
    },

    /**
     * One sweeper batch (see sweepStatement): `ended` are the sessions it ended, `checked` how
     * many due sessions it ended or moved on. Every one of them leaves the due set, and skipped
     * ones are not selected, so a batch with `checked < limit` means none is left.
     */
    async expireDue(now: Date, skipIds: string[], limit: number): Promise<{ ended: ExpiryRow[]; checked: number }> {
      const { rows } = await sweepStatement(now, skipIds, limit).execute(db);
      return { ended: rows.filter((r) => r.ended_at !== null), checked: rows.length };
    },

    /** Deletes sessions (and their events) that ended before `before`; returns how many. */
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

    /**
     * Applies coalesced activity in one statement. Counters add up; last activity only moves
     * forward and never past the end of an ended session; ended_at is never touched, so a flush
     * can never revive a session.
     */
    async applyActivity(flushId: string, deltas: ActivityDelta[]): Promise<boolean> {
      if (deltas.length === 0) return false;
      return db.transaction().execute(async (trx) => {
        const fresh = await trx
          .insertInto('activity_flushes')
          .values({ id: flushId })
          .onConflict((oc) => oc.doNothing())
          .returning('id')
          .executeTakeFirst();
        if (!fresh) return false;
        await sql`
        update sessions s set
          last_active_at = least(greatest(s.last_active_at, u.at), coalesce(s.ended_at, 'infinity'::timestamptz)),
          page_views = s.page_views + u.page_views,
          heartbeats = s.heartbeats + u.heartbeats
        from unnest(${deltas.map((d) => d.id)}::uuid[], ${deltas.map((d) => d.lastActiveAt.toISOString())}::timestamptz[],
                    ${deltas.map((d) => d.pageViews)}::bigint[], ${deltas.map((d) => d.heartbeats)}::bigint[])
          as u(id, at, page_views, heartbeats)
        where s.id = u.id`.execute(trx);
        return true;
      });
    },

    purgeFlushes(before: Date) {
      return db.deleteFrom('activity_flushes').where('applied_at', '<', before).execute();
    },

    async updateNetwork(
      id: string,
      changes: { ip: string | null; location: Location | null; network: Network | null; risk: Risk },
      events: SessionEventInput[],
    ): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('sessions')
          .set({ ip: changes.ip, location: JSON.stringify(changes.location), network: JSON.stringify(changes.network), risk: JSON.stringify(changes.risk) })
          .where('id', '=', id)
          .where('ended_at', 'is', null)
          .execute();
        await insertEvents(trx, events);
      });
    },

    /** A new User-Agent on an active session: the raw string and what is derived from it. */
    async updateAgent(
      id: string,
      changes: { userAgent: string; agent: string; deviceKey: string; parserVersion: string },
      event: SessionEventInput,
    ): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('sessions')
          .set({ user_agent: changes.userAgent, agent: changes.agent, device_key: changes.deviceKey, parser_version: changes.parserVersion })
          .where('id', '=', id)
          .where('ended_at', 'is', null)
          .execute();
        await insertEvents(trx, [event]);
      });
    },

    /** A user's retained sessions (for risk signals), newest first, bounded. */
    historyForUser(userId: string, excludeId: string | null, limit: number): Promise<HistoryRow[]> {
      return sessionHistory(pool, userId, excludeId, limit);
    },

    listEvents(sessionId: string, limit: number, beforeId: string | null): Promise<SessionEventRow[]> {
      let query = db.selectFrom('session_events').selectAll().where('session_id', '=', sessionId);
      if (beforeId) query = query.where('id', '<', beforeId);
      return query.orderBy('id', 'desc').limit(limit).execute();
    },

    insertEvents: (events: SessionEventInput[]) => insertEvents(db, events),

    /** Sessions whose device fields were derived by another parser version, in id order after `afterId`. */
    listStaleAgents(parserVersion: string, afterId: string | null, limit: number) {
      let query = db
        .selectFrom('sessions')
        .select(['id', 'user_agent', 'client_hints', 'client_input', 'device_id'])
        .where(sql<boolean>`parser_version is distinct from ${parserVersion}`);
      if (afterId) query = query.where('id', '>', afterId);
      return query.orderBy('id').limit(limit).execute();
    },

    /** Writes re-derived device fields for a batch in one statement. */
    async updateAgents(parserVersion: string, rows: Array<{ id: string; agent: string; deviceKey: string }>): Promise<void> {
      if (rows.length === 0) return;
      await sql`
        update sessions s set agent = u.agent, device_key = u.device_key, parser_version = ${parserVersion}
        from unnest(${rows.map((r) => r.id)}::uuid[], ${rows.map((r) => r.agent)}::jsonb[], ${rows.map((r) => r.deviceKey)}::text[])
          as u(id, agent, device_key)
        where s.id = u.id`.execute(db);
    },
  };
}

export type SessionRepository = ReturnType<typeof createSessionRepository>;
