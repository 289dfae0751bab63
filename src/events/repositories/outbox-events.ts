import { sql, type Kysely } from 'kysely';
import type { DatabaseHandle } from '../../db/database.js';
import { translatingErrors } from '../../db/errors.js';
import type { Database } from '../../db/types.js';

// The outbox: written only by the trigger on session_events (migrations/20261215090000_events_outbox.ts),
// read here by the feed and by the fan-out into webhook deliveries, and purged after retention.
//
// Readers take events in (txid, seq) order and only from transactions older than every one still
// running (txid below the snapshot's xmin): an event whose transaction commits late can never
// appear behind a position a reader has already passed.

/** A position in the outbox order; the feed's cursor encodes one. */
export interface OutboxPosition {
  txid: string;
  seq: string;
}

export interface OutboxEventRow extends OutboxPosition {
  id: string;
  type: string;
  occurred_at: Date;
  data: Record<string, unknown>;
}

const START: OutboxPosition = { txid: '0', seq: '0' };
const HORIZON = sql`pg_snapshot_xmin(pg_current_snapshot())`;

/**
 * Deletes every event that names the user, in the caller's transaction when given one (erasure
 * runs it with the rest of a user's rows). Events of the erasure itself carry no user id and stay.
 * Their deliveries go with them (on delete cascade).
 */
export async function deleteEventsForUser(executor: Kysely<Database>, userId: string): Promise<number> {
  const result = await executor.deleteFrom('outbox_events').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export function createOutboxEventsRepository({ db }: DatabaseHandle) {
  return translatingErrors({
    /** Up to `limit` events after `after` (from the oldest kept when null), of `types` when given. */
    async page(after: OutboxPosition | null, types: string[] | null, limit: number): Promise<OutboxEventRow[]> {
      const from = after ?? START;
      const { rows } = await sql<OutboxEventRow>`
        select seq, txid::text as txid, id, type, occurred_at, data from outbox_events
        where (txid, seq) > (${from.txid}::xid8, ${from.seq}::bigint) and txid < ${HORIZON}
          and (${types}::text[] is null or type = any(${types}::text[]))
        order by txid, seq
        limit ${limit}`.execute(db);
      return rows;
    },

    /**
     * Fans the next `limit` events out into deliveries, one per enabled endpoint that takes the
     * event, and moves the dispatch position past them, in one statement. One instance at a time:
     * the others find the position row locked and do nothing. `held`: events exist that wait for
     * an older transaction to finish.
     */
    async dispatch(limit: number): Promise<{ events: number; deliveries: number; held: boolean }> {
      const { rows } = await sql<{ events: string; deliveries: string; held: boolean }>`
        with position as (
          select last_txid, last_seq from event_dispatch where id = 1 for update skip locked
        ),
        batch as (
          select e.seq, e.txid, e.type, e.session_id from outbox_events e, position p
          where (e.txid, e.seq) > (p.last_txid, p.last_seq) and e.txid < ${HORIZON}
          order by e.txid, e.seq
          limit ${limit}
        ),
        fanned as (
          insert into webhook_deliveries (endpoint_id, event_seq, session_id)
          select w.id, b.seq, b.session_id from batch b
          join webhook_endpoints w on w.enabled
            and (w.event_types is null or b.type = any(w.event_types))
            and (w.format = 'standard' or b.type = 'session.ended')
          order by b.txid, b.seq, w.id
          returning 1
        ),
        last as (select txid, seq from batch order by txid desc, seq desc limit 1),
        moved as (
          update event_dispatch d set last_txid = last.txid, last_seq = last.seq from last where d.id = 1 returning 1
        )
        select
          (select count(*) from batch) as events,
          (select count(*) from fanned) as deliveries,
          exists (
            select 1 from outbox_events e, position p
            where (e.txid, e.seq) > (p.last_txid, p.last_seq) and e.txid >= ${HORIZON}
          ) as held`.execute(db);
      const row = rows[0];
      return { events: Number(row.events), deliveries: Number(row.deliveries), held: row.held };
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

    deleteForUser: (userId: string, executor: Kysely<Database> = db) => deleteEventsForUser(executor, userId),
  });
}

export type OutboxEventsRepository = ReturnType<typeof createOutboxEventsRepository>;
