import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, NewSessionRow, SessionRow, SessionEventRow } from '../db/types.js';
import type { Location, Risk } from '../enrich/types.js';

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

const expiredAt = (now: Date) =>
  sql<boolean>`(absolute_expires_at <= ${now} or last_active_at + make_interval(secs => idle_timeout_seconds) <= ${now})`;

export function createSessionRepository(db: Kysely<Database>) {
  async function notifyEnded(trx: Transaction<Database> | Kysely<Database>, notices: EndedNotice[]): Promise<void> {
    // NOTIFY payloads are capped at 8000 bytes; send in slices. Delivered only if the transaction commits.
    for (let i = 0; i < notices.length; i += 40) {
      const payload = JSON.stringify(notices.slice(i, i + 40));
      await sql`select pg_notify(${ENDED_CHANNEL}, ${payload})`.execute(trx);
    }
  }

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

  /** Ends the given active sessions in one transaction: rows, events and the cross-instance notice. */
  async function endWhere(
    where: (trx: Transaction<Database>) => Promise<SessionRow[]>,
    reason: string,
    actor: string | null,
  ): Promise<SessionRow[]> {
    return db.transaction().execute(async (trx) => {
      const rows = await where(trx);
      if (rows.length === 0) return rows;
      await insertEvents(
        trx,
        rows.map((r) => ({ sessionId: r.id, userId: r.user_id, at: r.ended_at as Date, type: 'ended', actor, data: { reason } })),
      );
      await notifyEnded(
        trx,
        rows.map((r) => ({ id: r.id, userId: r.user_id, endedAt: (r.ended_at as Date).toISOString(), reason })),
      );
      return rows;
    });
  }

  return {
    /** The session and its login event in one statement (atomic, one round trip). */
    async insert(row: NewSessionRow, event: SessionEventInput): Promise<SessionRow> {
      return db
        .with('inserted', (qb) => qb.insertInto('sessions').values(row).returningAll())
        .with('login', (qb) =>
          qb.insertInto('session_events').values({
            session_id: event.sessionId,
            user_id: event.userId,
            at: event.at,
            type: event.type,
            actor: event.actor,
            data: JSON.stringify(event.data ?? {}),
          }),
        )
        .selectFrom('inserted')
        .selectAll()
        .executeTakeFirstOrThrow();
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

    async listByUser(options: {
      userId: string;
      status: ListStatus;
      limit: number;
      cursor: ListCursor | null;
      flagged: boolean;
    }): Promise<SessionRow[]> {
      const group = sql<number>`(case when ended_at is null then 0 else 1 end)`;
      const key = sql<Date>`coalesce(ended_at, last_active_at)`;
      // Sort narrow rows (id and keys), then fetch the wide rows of the one page: a user with
      // thousands of sessions costs a sort of small tuples, not of every row's JSON columns.
      let page = db
        .selectFrom('sessions')
        .select(['id', group.as('g'), key.as('k')])
        .where('user_id', '=', options.userId);
      if (options.status === 'active') page = page.where('ended_at', 'is', null);
      if (options.status === 'ended') page = page.where('ended_at', 'is not', null);
      if (options.flagged) page = page.where(sql<boolean>`jsonb_array_length(risk -> 'flags') > 0`);
      const cursor = options.cursor;
      if (cursor) {
        page = page.where(
          sql<boolean>`(${group} > ${cursor.g} or (${group} = ${cursor.g} and (${key}, id) < (${new Date(cursor.t)}, ${cursor.id}::uuid)))`,
        );
      }
      page = page.orderBy('g').orderBy('k', 'desc').orderBy('id', 'desc').limit(options.limit);
      return db
        .with('page', () => page)
        .selectFrom('page')
        .innerJoin('sessions', 'sessions.id', 'page.id')
        .selectAll('sessions')
        .where('sessions.user_id', '=', options.userId)
        .orderBy('page.g')
        .orderBy('page.k', 'desc')
        .orderBy('page.id', 'desc')
        .execute();
    },

    /** Ends one session unless it has already ended; returns the row either way (undefined: no such session). */
    async endOne(id: string, reason: string, actor: string | null, at: Date): Promise<{ row: SessionRow; changed: boolean } | undefined> {
      const [ended] = await endWhere(
        (trx) =>
          trx
            .updateTable('sessions')
            .set({ ended_at: at, end_reason: reason, ended_by: actor })
            .where('id', '=', id)
            .where('ended_at', 'is', null)
            .returningAll()
            .execute(),
        reason,
        actor,
      );
      if (ended) return { row: ended, changed: true };
      const existing = await this.findById(id);
      return existing ? { row: existing, changed: false } : undefined;
    },

    /** Ends every active session of a user, optionally but one. */
    endAllForUser(userId: string, exceptId: string | null, reason: string, actor: string | null, at: Date): Promise<SessionRow[]> {
      return endWhere(
        (trx) => {
          let query = trx
            .updateTable('sessions')
            .set({ ended_at: at, end_reason: reason, ended_by: actor })
            .where('user_id', '=', userId)
            .where('ended_at', 'is', null);
          if (exceptId) query = query.where('id', '!=', exceptId);
          return query.returningAll().execute();
        },
        reason,
        actor,
      );
    },

    /**
     * Writes expiry for a user's sessions that are past their idle or absolute limit at `now`.
     * The end time is the moment the limit was reached, not the moment it was noticed.
     * Sessions with activity still buffered in this instance are skipped: they are not idle.
     */
    expireForUser(userId: string, now: Date, skipIds: string[]): Promise<SessionRow[]> {
      return this.expire(userId, now, skipIds, 1000);
    },

    /** Writes expiry for up to `limit` sessions, of one user or (no user) of the whole table. */
    async expire(userId: string | undefined, now: Date, skipIds: string[], limit: number): Promise<SessionRow[]> {
      const scope = userId === undefined ? sql<boolean>`true` : sql<boolean>`user_id = ${userId}`;
      const idleEnd = sql`last_active_at + make_interval(secs => idle_timeout_seconds)`;
      // A plain read first: the common answer is "nothing is due", and that needs no transaction.
      const due = await sql<{ id: string }>`
        select id from sessions
        where ${scope} and ended_at is null and ${expiredAt(now)}
          and not (id = any(${skipIds}::uuid[]))
        limit ${limit}`.execute(db);
      if (due.rows.length === 0) return [];
      return db.transaction().execute(async (trx) => {
        // Re-checked under the row lock the update takes: a concurrent end or heartbeat flush wins.
        const updated = await sql<SessionRow>`
          update sessions set
            ended_at = least(absolute_expires_at, ${idleEnd}),
            end_reason = case when absolute_expires_at <= ${idleEnd} then 'max_age' else 'idle_timeout' end,
            ended_by = 'expiry'
          where id = any(${due.rows.map((r) => r.id)}::uuid[]) and ended_at is null and ${expiredAt(now)}
          returning *`.execute(trx);
        const ended = updated.rows;
        await insertEvents(
          trx,
          ended.map((r) => ({ sessionId: r.id, userId: r.user_id, at: r.ended_at as Date, type: 'expired', actor: 'expiry', data: { reason: r.end_reason } })),
        );
        await notifyEnded(
          trx,
          ended.map((r) => ({ id: r.id, userId: r.user_id, endedAt: (r.ended_at as Date).toISOString(), reason: r.end_reason as string })),
        );
        return ended;
      });
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
      changes: { ip: string | null; location: Location | null; risk: Risk },
      events: SessionEventInput[],
    ): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('sessions')
          .set({ ip: changes.ip, location: JSON.stringify(changes.location), risk: JSON.stringify(changes.risk) })
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
    historyForUser(userId: string, excludeId: string | null, limit: number) {
      let query = db
        .selectFrom('sessions')
        .select(['id', 'created_at', 'last_active_at', 'ended_at', 'device_key', 'location'])
        .where('user_id', '=', userId);
      if (excludeId) query = query.where('id', '!=', excludeId);
      return query.orderBy('created_at', 'desc').limit(limit).execute();
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
