import { sql } from 'kysely';
import type { DatabaseHandle } from '../../db/database.js';
import { translatingErrors } from '../../db/errors.js';

// The outbox: written only by the trigger on session_events (migrations/20261215090000_events_outbox.ts),
// stamped and fanned out into webhook deliveries by the dispatch, read by the feed, purged after
// retention.
//
// Rows get their feed position after they commit, from one writer at a time, in seq order: a
// reader walking positions can never pass a row that shows up later, and a session's events
// (each written after the one before it committed) keep their order.

export interface OutboxEventRow {
  position: string;
  id: string;
  type: string;
  occurred_at: Date;
  data: Record<string, unknown>;
}

export function createOutboxEventsRepository({ db }: DatabaseHandle) {
  return translatingErrors({
    /** Up to `limit` events after the position `after` (from the oldest kept when null), of `types` when given. */
    async page(after: string | null, types: string[] | null, limit: number): Promise<OutboxEventRow[]> {
      const { rows } = await sql<OutboxEventRow>`
        select position, id, type, occurred_at, data from outbox_events
        where position > ${after ?? '0'}::bigint and (${types}::text[] is null or type = any(${types}::text[]))
        order by position
        limit ${limit}`.execute(db);
      return rows;
    },

    /**
     * Stamps the next `limit` committed events with feed positions and fans them out into
     * deliveries, one per enabled endpoint that takes the event. One instance at a time: the
     * others find the position row locked and do nothing (`events` 0). The lock is taken by a
     * statement of its own, so the stamping statement's snapshot sees everything the previous
     * holder committed.
     */
    async dispatch(limit: number): Promise<{ events: number; deliveries: number }> {
      // Taking the lock writes (and a commit waits for the disk): not when there is nothing to stamp.
      const waiting = await sql<{ any: boolean }>`select exists (select 1 from outbox_events where position is null) as any`.execute(db);
      if (!waiting.rows[0]?.any) return { events: 0, deliveries: 0 };
      return db.transaction().execute(async (trx) => {
        // Positions a reader has seen must survive a crash: this commit waits for the disk.
        await sql`set local synchronous_commit = on`.execute(trx);
        const held = await sql<{
          last_position: string;
        }>`select last_position from event_dispatch where id = 1 for update skip locked`.execute(trx);
        const last = held.rows[0]?.last_position;
        if (last === undefined) return { events: 0, deliveries: 0 };
        // The batch is an array, so the stamping finds its rows by primary key (a join here is
        // planned as a loop over every unstamped row).
        const { rows } = await sql<{ events: string; deliveries: string }>`
          with batch as materialized (
            select array_agg(seq order by seq) as seqs
            from (select seq from outbox_events where position is null order by seq limit ${limit}) e
          ),
          stamped as (
            update outbox_events o set position = ${last}::bigint + array_position((select seqs from batch), o.seq)
            where o.seq = any((select seqs from batch)::bigint[]) and o.position is null
            returning o.seq, o.type, o.session_id, o.position
          ),
          fanned as (
            insert into webhook_deliveries (endpoint_id, event_seq, session_id)
            select w.id, s.seq, s.session_id from stamped s
            join webhook_endpoints w on w.enabled
              and (w.event_types is null or s.type = any(w.event_types))
              and (w.format = 'standard' or s.type = 'session.ended')
            order by s.seq, w.id
            returning 1
          ),
          moved as (
            update event_dispatch set last_position = (select max(position) from stamped) where id = 1 and exists (select 1 from stamped) returning 1
          )
          select (select count(*) from stamped) as events, (select count(*) from fanned) as deliveries`.execute(trx);
        return { events: Number(rows[0].events), deliveries: Number(rows[0].deliveries) };
      });
    },

    /**
     * Deletes up to `limit` of the oldest events written more than `retentionSeconds` ago (by the
     * database clock, which wrote created_at), and their deliveries; how many. Rows another
     * instance is purging are skipped.
     */
    async purge(retentionSeconds: number, limit: number): Promise<number> {
      const result = await sql`
        delete from outbox_events where seq in (
          select seq from (select seq, created_at from outbox_events order by seq limit ${limit} for update skip locked) oldest
          where created_at < now() - make_interval(secs => ${retentionSeconds})
        )`.execute(db);
      return Number(result.numAffectedRows ?? 0);
    },
  });
}

export type OutboxEventsRepository = ReturnType<typeof createOutboxEventsRepository>;
