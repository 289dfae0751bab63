import { sql } from 'kysely';
import type { DatabaseHandle } from '../../db/database.js';
import { translatingErrors } from '../../db/errors.js';

/** Activity of one session accumulated in memory since the last flush (time in epoch ms). */
export interface ActivityDelta {
  id: string;
  /** Whose session it is (not written: for telling what changed once it is). */
  userId: string;
  lastActiveAt: number;
  pageViews: number;
  heartbeats: number;
}

export function createActivityFlushesRepository({ db }: DatabaseHandle) {
  return translatingErrors({
    /**
     * Applies one flush in one transaction, once: its id is recorded with it, so a flush retried
     * after an ambiguous failure (the commit may or may not have happened) is skipped (false).
     * Counters add up; last activity only moves forward and never past the end of an ended
     * session; ended_at is never touched, so a flush can never revive a session.
     */
    async apply(flushId: string, deltas: ActivityDelta[]): Promise<boolean> {
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
          from unnest(${deltas.map((d) => d.id)}::uuid[], ${deltas.map((d) => new Date(d.lastActiveAt).toISOString())}::timestamptz[],
                      ${deltas.map((d) => d.pageViews)}::bigint[], ${deltas.map((d) => d.heartbeats)}::bigint[])
            as u(id, at, page_views, heartbeats)
          where s.id = u.id`.execute(trx);
        return true;
      });
    },

    /** Forgets flush ids older than `before` (a retry never comes that late). */
    async purge(before: Date): Promise<void> {
      await db.deleteFrom('activity_flushes').where('applied_at', '<', before).execute();
    },
  });
}

export type ActivityFlushesRepository = ReturnType<typeof createActivityFlushesRepository>;
