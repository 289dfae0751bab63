import { sql } from 'kysely';
import type { DatabaseHandle } from '../../db/database.js';
import { translatingErrors } from '../../db/errors.js';
import { expiry } from '../lifetime.js';
import type { EndedRow } from './columns.js';
import { recordEnds } from './session-ends.js';
import type { EventInput } from './session-events.js';
import { INSERT_COLUMNS, insertValues, type NewSessionRow } from './sessions.js';

// A login under a concurrent-session limit. Logins of one user are serialised by a transaction-level
// advisory lock taken in a statement of its own: the statement that counts takes its snapshot after
// the lock is granted, so it sees every login that held the lock before. Two logins racing for the
// last place, on one instance or several, are therefore counted one after the other.

/** The advisory-lock class of per-user locks (the two-key space never meets single-key locks). */
export const USER_LOCK_CLASS = 7261;

export interface AdmissionLimit {
  /** Active sessions the user may hold, this login included. */
  max: number;
  /** true: refuse the login when full; false: end the least recently active sessions to make room. */
  deny: boolean;
}

export interface Admission {
  admitted: boolean;
  /** Sessions ended to make room (reason `evicted`). */
  evicted: EndedRow[];
}

/**
 * One statement: the user's usable sessions (expired but unwritten ones neither count nor are
 * evicted), the least recently active of them ended as `evicted` with their events and notices,
 * then the new session and its login event, unless the policy refuses it.
 */
function admitStatement(row: NewSessionRow, login: EventInput, limit: AdmissionLimit) {
  const at = login.at;
  return sql<{ admitted: number; evicted: string[]; sent: string | null }>`
    with active as (
      select id, last_active_at from sessions
      where user_id = ${row.user_id} and ended_at is null and not ${expiry.isExpired(at)}
    ),
    excess as (select count(*)::int - ${limit.max}::int + 1 as n from active),
    doomed as (
      select id from active where not ${limit.deny}::boolean
      order by last_active_at, id
      limit greatest((select n from excess), 0)
    ),
    ended as (
      update sessions set ended_at = ${at}, end_reason = 'evicted', ended_by = ${login.actor}
      where id = any(array(select id from doomed)) and ended_at is null
      returning id, user_id, ended_at, end_reason, ended_by
    ),
    ${recordEnds('ended')},
    inserted as (
      insert into sessions (${sql.raw(INSERT_COLUMNS.join(', '))})
      select ${sql.join(insertValues(row))}
      where not ${limit.deny}::boolean or (select n from excess) <= 0
      returning id, user_id
    ),
    login as (
      insert into session_events (session_id, user_id, at, type, actor, data)
      select id, user_id, ${at}, ${login.type}, ${login.actor}, ${JSON.stringify(login.data ?? {})} from inserted
    )
    select (select count(*) from inserted)::int as admitted, array(select id from ended order by id) as evicted, (select sent from notified)::text as sent`;
}

export function createAdmissionsRepository({ db, pool }: DatabaseHandle) {
  return translatingErrors({
    async admit(row: NewSessionRow, login: EventInput, limit: AdmissionLimit): Promise<Admission> {
      // The statement's text is the same on every call: each connection prepares it once.
      const compiled = admitStatement(row, login, limit).compile(db);
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        // One round trip for both: the user id goes in as a quoted literal, as a simple query has no
        // parameters (user ids are printable text, checked by the schema).
        await client.query(`begin; select pg_advisory_xact_lock(${USER_LOCK_CLASS}, hashtext(${client.escapeLiteral(row.user_id)}))`);
        const { rows } = await client.query<{ admitted: number; evicted: string[] }>({ name: 'sr_admit_session', text: compiled.sql, values: [...compiled.parameters] });
        await client.query('commit');
        const [result] = rows;
        return {
          admitted: result.admitted === 1,
          evicted: result.evicted.map((id) => ({ id, user_id: row.user_id, ended_at: login.at, end_reason: 'evicted' as const })),
        };
      } catch (error) {
        await client.query('rollback').catch((rollbackError: Error) => (broken = rollbackError));
        throw error;
      } finally {
        client.release(broken);
      }
    },
  });
}

export type AdmissionsRepository = ReturnType<typeof createAdmissionsRepository>;
