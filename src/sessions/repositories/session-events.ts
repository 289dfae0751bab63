import { sql, type RawBuilder } from 'kysely';
import type { DatabaseHandle } from '../../db/database.js';
import type { SessionEventRow } from '../../db/types.js';
import { translatingErrors } from '../../db/errors.js';
import type { EventType } from '../vocabulary.js';

// Every insert into session_events also runs the statement-level trigger session_events_outbox
// (SQL in migrations/20261215090000_events_outbox.ts), which writes the lifecycle events webhooks
// and the feed carry into outbox_events, in the same statement: login → session.created (and
// session.flagged when it raised flags), ended/expired → session.ended, flagged → session.flagged,
// country_changed → session.location_changed, reviewed → session.reviewed. A new event type that
// receivers should hear about needs a branch there; src/events reads the outbox.

/** One entry of a session's event log, as it is written. */
export interface EventInput {
  sessionId: string;
  userId: string;
  at: Date;
  type: EventType;
  actor: string | null;
  data?: Record<string, unknown>;
}

/**
 * Events as a row source (session_id, user_id, at, type, actor, data), for statements that write
 * them together with the change they record.
 */
export function eventRows(events: EventInput[]): RawBuilder<unknown> {
  return sql`
    select * from unnest(
      ${events.map((e) => e.sessionId)}::uuid[], ${events.map((e) => e.userId)}::text[], ${events.map((e) => e.at.toISOString())}::timestamptz[],
      ${events.map((e) => e.type)}::text[], ${events.map((e) => e.actor)}::text[], ${events.map((e) => JSON.stringify(e.data ?? {}))}::jsonb[]
    ) as e(session_id, user_id, at, type, actor, data)`;
}

export function createSessionEventsRepository({ db }: DatabaseHandle) {
  return translatingErrors({
    /** A session's events, newest first, before the event `beforeId` when given. */
    list(sessionId: string, limit: number, beforeId: string | null): Promise<SessionEventRow[]> {
      let query = db.selectFrom('session_events').selectAll().where('session_id', '=', sessionId);
      if (beforeId) query = query.where('id', '<', beforeId);
      return query.orderBy('id', 'desc').limit(limit).execute();
    },
  });
}

export type SessionEventsRepository = ReturnType<typeof createSessionEventsRepository>;
