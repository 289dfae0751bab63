import { sql } from 'kysely';
import type { DatabaseHandle } from '../../db/database.js';
import type { SessionEventRow, SessionRow } from '../../db/types.js';
import { translatingErrors } from '../../db/errors.js';
import { RESOURCE_COLUMNS } from './columns.js';

// Everything stored about one user: read for an export, deleted for an erasure.

/** Rows deleted per statement: an erasure of any size commits in short steps. */
const ERASE_BATCH = 5000;

/** One place that holds data of users, and how to delete one user's share of it. */
export interface UserDataEraser {
  name: string;
  /** Deletes every row of the user; how many. */
  erase(userId: string): Promise<number>;
}

/**
 * A table whose rows belong to the user named in `column`: deleted in batches through that
 * column's index, each batch named by primary key `key`. Not by ctid: a row that a concurrent
 * statement updates (an activity flush, the outbox's stamping) gets a new ctid, and a delete
 * waiting on its lock would recheck the new version, find no match and leave it behind.
 */
function tableEraser({ db }: DatabaseHandle, table: string, column: string, key: string): UserDataEraser {
  return {
    name: table,
    async erase(userId) {
      let total = 0;
      for (;;) {
        const result = await sql`
          delete from ${sql.table(table)}
          where ${sql.ref(key)} in (select ${sql.ref(key)} from ${sql.table(table)} where ${sql.ref(column)} = ${userId} limit ${ERASE_BATCH})`.execute(
          db,
        );
        const count = Number(result.numAffectedRows ?? 0);
        total += count;
        if (count < ERASE_BATCH) return total;
      }
    },
  };
}

/**
 * Every place that holds anything of a user, in the order erasure empties them. A table that
 * stores user data is added here, and only here, for erasure to reach it; the erasure test scans
 * every table of the schema afterwards, so one that is missing from this list is found.
 */
export function userDataErasers(database: DatabaseHandle): UserDataEraser[] {
  return [
    // Lifecycle events waiting for the feed and webhooks (their deliveries go with them, on delete cascade).
    tableEraser(database, 'outbox_events', 'user_id', 'seq'),
    tableEraser(database, 'session_events', 'user_id', 'id'),
    tableEraser(database, 'sessions', 'user_id', 'id'),
  ];
}

/** A session as an export carries it: the resource's columns and what a user gave besides. */
export const EXPORT_COLUMNS = [...RESOURCE_COLUMNS, 'device_id', 'client_hints'] as const;
export type ExportRow = Pick<SessionRow, (typeof EXPORT_COLUMNS)[number]>;

/** Where a walk over a user's sessions stands (login order: created_at, then id). */
export interface ExportPosition {
  createdAt: Date;
  id: string;
}

export function createUserDataRepository(database: DatabaseHandle) {
  const { db } = database;
  const erasers = userDataErasers(database);
  return translatingErrors({
    /** Deletes every row of the user from every place in userDataErasers; counts by place. */
    async erase(userId: string): Promise<Record<string, number>> {
      const counts: Record<string, number> = {};
      for (const eraser of erasers) counts[eraser.name] = await eraser.erase(userId);
      return counts;
    },

    /** The user's next `limit` sessions in login order (through sessions_user_created). */
    sessionsAfter(userId: string, after: ExportPosition | null, limit: number): Promise<ExportRow[]> {
      let query = db.selectFrom('sessions').select(EXPORT_COLUMNS).where('user_id', '=', userId);
      // The first condition alone is an index bound; the second orders logins of the same instant.
      if (after)
        query = query
          .where('created_at', '>=', after.createdAt)
          .where((eb) => eb.or([eb('created_at', '>', after.createdAt), eb('id', '>', after.id)]));
      return query.orderBy('created_at').orderBy('id').limit(limit).execute();
    },

    /** The user's next `limit` events in id order (through session_events_user). */
    eventsAfter(userId: string, afterId: string | null, limit: number): Promise<SessionEventRow[]> {
      let query = db.selectFrom('session_events').selectAll().where('user_id', '=', userId);
      if (afterId !== null) query = query.where('id', '>', afterId);
      return query.orderBy('id').limit(limit).execute();
    },
  });
}

export type UserDataRepository = ReturnType<typeof createUserDataRepository>;
