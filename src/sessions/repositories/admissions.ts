import { sql } from 'kysely';
import type { DatabaseHandle } from '../../db/database.js';
import { translatingErrors } from '../../db/errors.js';
import { builtStatement, namedStatement } from '../../db/statements.js';
import { expiry } from '../lifetime.js';
import type { EndedRow } from './columns.js';
import { recordEnds } from './session-ends.js';
import type { EventInput } from './session-events.js';
import { INSERT_COLUMNS, insertValues, type NewSessionRow } from './sessions.js';

// A login under a concurrent-session limit. Logins of one user are serialised by a transaction-level
// advisory lock taken in a statement of its own: the statements after it take their snapshots once
// the lock is granted, so they see every login that held the lock before. Two logins racing for
// the last place, on one instance or several, are therefore counted one after the other.
//
// The usual login (room to spare) is one transaction of named statements: the lock, one statement
// that inserts when there is room, and the commit. Only a login that must evict runs a second statement, which also ends sessions.

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
 * The session and its login event if the user's usable sessions (expired but unwritten ones do
 * not count) leave room for it; otherwise nothing is written and their ids come back, least
 * recently active first.
 */
const INSERT_IF_ROOM = builtStatement(
  'sr_insert_if_room',
  (row: NewSessionRow, login: EventInput, max: number) => sql<{ admitted: number; usable: string[] }>`
    with usable as (
      select id, last_active_at from sessions
      where user_id = ${row.user_id} and ended_at is null and not ${expiry.isExpired(login.at)}
    ),
    room as (select count(*) < ${max}::int as ok from usable),
    inserted as (
      insert into sessions (${sql.raw(INSERT_COLUMNS.join(', '))})
      select ${sql.join(insertValues(row))} where (select ok from room)
      returning id, user_id
    ),
    login as (
      insert into session_events (session_id, user_id, at, type, actor, data)
      select id, user_id, ${login.at}, ${login.type}, ${login.actor}, ${JSON.stringify(login.data ?? {})} from inserted
    )
    select (select count(*) from inserted)::int as admitted,
           case when (select ok from room) then '{}'::uuid[] else array(select id from usable order by last_active_at, id) end as usable`,
);

/** The `doomed` sessions end as `evicted` (events as every end has them), then the new session and its login event. */
const EVICT_AND_INSERT = builtStatement(
  'sr_evict_and_insert',
  (row: NewSessionRow, login: EventInput, doomed: string[]) => sql<{ evicted: string[] }>`
    with ended as (
      update sessions set ended_at = ${login.at}, end_reason = 'evicted', ended_by = ${login.actor}
      where user_id = ${row.user_id} and ended_at is null and id = any(${doomed}::uuid[])
      returning id, user_id, ended_at, end_reason, ended_by
    ),
    ${recordEnds('ended')},
    inserted as (
      insert into sessions (${sql.raw(INSERT_COLUMNS.join(', '))}) values (${sql.join(insertValues(row))})
      returning id, user_id
    ),
    login as (
      insert into session_events (session_id, user_id, at, type, actor, data)
      select id, user_id, ${login.at}, ${login.type}, ${login.actor}, ${JSON.stringify(login.data ?? {})} from inserted
    )
    select array(select id from ended order by id) as evicted`,
);

/** Logins of one user wait for each other here (see above). */
const LOCK_USER = namedStatement<unknown, [userId: string]>(
  'sr_lock_user',
  `select pg_advisory_xact_lock(${USER_LOCK_CLASS}, hashtext($1))`,
);

export function createAdmissionsRepository({ transaction }: DatabaseHandle) {
  return translatingErrors({
    async admit(row: NewSessionRow, login: EventInput, limit: AdmissionLimit): Promise<Admission> {
      return transaction(async (tx) => {
        await tx.run(LOCK_USER.bind(row.user_id));
        const [{ admitted, usable }] = await tx.run(INSERT_IF_ROOM.bind(row, login, limit.max));
        if (admitted === 1) return { admitted: true, evicted: [] };
        // Full: a refused login commits nothing written.
        if (limit.deny) return { admitted: false, evicted: [] };
        const doomed = usable.slice(0, usable.length - limit.max + 1);
        const [{ evicted }] = await tx.run(EVICT_AND_INSERT.bind(row, login, doomed));
        return {
          admitted: true,
          evicted: evicted.map((id) => ({ id, user_id: row.user_id, ended_at: login.at, end_reason: 'evicted' as const })),
        };
      });
    },
  });
}

export type AdmissionsRepository = ReturnType<typeof createAdmissionsRepository>;
