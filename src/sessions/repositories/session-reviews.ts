import { sql } from 'kysely';
import type { DatabaseHandle } from '../../db/database.js';
import { translatingErrors } from '../../db/errors.js';
import type { ReviewAnswer } from '../vocabulary.js';
import { qualified, RESOURCE_COLUMNS, type EndedRow, type ResourceRow } from './columns.js';
import { recordEnds } from './session-ends.js';

// "Was this you?": the user's answer about a session, in one statement with its `reviewed` event
// and, for a report, the end of the session (its event as every end has it; the database announces the end).

export interface Reviewed {
  row: ResourceRow;
  /** Set when this statement ended the session (a report of an active one). */
  ended: EndedRow | null;
}

export function createSessionReviewsRepository({ db }: DatabaseHandle) {
  return translatingErrors({
    /**
     * Records `state` on a session (undefined: no such session). The same answer again changes
     * nothing: its time stays that of the first answer and no event is written twice. A report
     * ends an active session with `reported_by_user`; an ended one keeps its end. With
     * `reportIsFinal` (a user's answer) a reported session is left as it is and the answer is
     * 'report_is_final'; without it (the service) any answer replaces any other, with its event.
     */
    async review(
      id: string,
      state: ReviewAnswer,
      actor: string | null,
      at: Date,
      options: { reportIsFinal: boolean },
    ): Promise<Reviewed | 'report_is_final' | undefined> {
      const report = state === 'reported';
      // FOR UPDATE reads the newest version of the row: a concurrent end is seen, not overwritten.
      const { rows } = await sql<ResourceRow & { was_active: boolean; refused: boolean }>`
        with target as (
          select id, ended_at is null as was_active, review_state as was from sessions where id = ${id} for update
        ),
        changed as (
          update sessions s set
            review_state = ${state},
            reviewed_at = case when t.was = ${state} then s.reviewed_at else ${at} end,
            ended_at = case when ${report} and t.was_active then ${at} else s.ended_at end,
            end_reason = case when ${report} and t.was_active then 'reported_by_user' else s.end_reason end,
            ended_by = case when ${report} and t.was_active then ${actor} else s.ended_by end
          from target t
          where s.id = t.id and not (${options.reportIsFinal} and t.was = 'reported' and ${state}::text <> 'reported')
          returning s.*, t.was_active, t.was
        ),
        ended as (
          select id, user_id, ended_at, end_reason, ended_by from changed where ${report} and was_active
        ),
        ${recordEnds('ended')},
        reviewed as (
          insert into session_events (session_id, user_id, at, type, actor, data)
          select id, user_id, ${at}, 'reviewed', ${actor}, jsonb_build_object('state', ${state}::text) from changed where was <> ${state}
        )
        select ${sql.raw(qualified('changed', RESOURCE_COLUMNS))}, changed.was_active, changed.id is null as refused
        from target left join changed on true`.execute(db);
      const [changed] = rows;
      if (!changed) return undefined;
      if (changed.refused) return 'report_is_final';
      const { was_active: wasActive, refused: _refused, ...row } = changed;
      const ended =
        report && wasActive && row.ended_at !== null && row.end_reason !== null
          ? { id: row.id, user_id: row.user_id, ended_at: row.ended_at, end_reason: row.end_reason }
          : null;
      return { row, ended };
    },
  });
}

export type SessionReviewsRepository = ReturnType<typeof createSessionReviewsRepository>;
