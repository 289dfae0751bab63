import type { DatabaseHandle } from '../../db/database.js';
import type { SessionRow } from '../../db/types.js';
import type { RiskFlag } from '../../enrich/types.js';
import { translatingErrors } from '../../db/errors.js';
import { REVIEW_STATES, type ListStatus, type ReviewState } from '../vocabulary.js';
import { qualified, RESOURCE_COLUMNS, type ResourceRow } from './columns.js';

// A user's sessions, as pages of the list and as history for the risk signals. Both run on every
// list and every login, so they are fixed SQL texts run as named (prepared) statements: each
// connection parses and plans one once. Every column is named, so a migration that adds columns
// cannot change what a prepared statement returns.

/** Where a page starts: after this key (active sessions first, then ended ones). */
export interface ListPosition {
  group: 'active' | 'ended';
  /** lastActiveAt of an active session, endedAt of an ended one. */
  at: Date;
  id: string;
}

export const HISTORY_COLUMNS = ['id', 'created_at', 'last_active_at', 'ended_at', 'device_key', 'location', 'review_state'] as const satisfies ReadonlyArray<keyof SessionRow>;
/** A past session as the risk signals weigh it, with the flags it was given (not their explanations). */
export type HistoryRow = Pick<SessionRow, (typeof HISTORY_COLUMNS)[number]> & { flags: RiskFlag[] };

const HISTORY_SQL = `
  select ${HISTORY_COLUMNS.join(', ')}, risk -> 'flags' as flags from sessions
  where user_id = $1 and id is distinct from $2::uuid
  order by created_at desc limit $3`;

const GROUP = '(case when ended_at is null then 0 else 1 end)';
const KEY = 'coalesce(ended_at, last_active_at)';

/** One text per combination of filters (a few dozen at most), each prepared under its own name. */
function listStatement(status: ListStatus, after: boolean, flagged: boolean, review: ReviewState | undefined): { name: string; text: string } {
  const where = ['user_id = $1'];
  if (status === 'active') where.push('ended_at is null');
  if (status === 'ended') where.push('ended_at is not null');
  if (flagged) where.push(`jsonb_array_length(risk -> 'flags') > 0`);
  if (after) where.push(`(${GROUP} > $3 or (${GROUP} = $3 and (${KEY}, id) < ($4::timestamptz, $5::uuid)))`);
  // A constant of the vocabulary, never client text: the statement stays one fixed, prepared text.
  if (review) {
    if (!REVIEW_STATES.includes(review)) throw new Error(`not a review state: ${String(review)}`);
    where.push(`review_state = '${review}'`);
  }
  // Sort narrow rows (id and keys), then read the wide rows of the one page: a user with
  // thousands of sessions costs a sort of small tuples, not of every row's JSON columns.
  const text = `
    with page as (
      select id, ${GROUP} as g, ${KEY} as k from sessions
      where ${where.join(' and ')}
      order by g, k desc, id desc
      limit $2
    )
    select ${qualified('s', RESOURCE_COLUMNS)}
    from page join sessions s on s.id = page.id
    where s.user_id = $1
    order by page.g, page.k desc, page.id desc`;
  return { name: `sr_list_${status}${after ? '_after' : ''}${flagged ? '_flagged' : ''}${review ? `_${review}` : ''}`, text };
}

export function createSessionListsRepository({ pool }: DatabaseHandle) {
  const statements = new Map<string, { name: string; text: string }>();

  return translatingErrors({
    /** Up to `limit` of a user's sessions in list order: active by last activity, then ended by end time, newest first. */
    async page(options: { userId: string; status: ListStatus; limit: number; after: ListPosition | null; flagged: boolean; review?: ReviewState }): Promise<ResourceRow[]> {
      const key = `${options.status}|${options.after !== null}|${options.flagged}|${options.review ?? ''}`;
      let statement = statements.get(key);
      if (statement === undefined) {
        statement = listStatement(options.status, options.after !== null, options.flagged, options.review);
        statements.set(key, statement);
      }
      const values: unknown[] = [options.userId, options.limit];
      if (options.after) values.push(options.after.group === 'active' ? 0 : 1, options.after.at, options.after.id);
      return (await pool.query<ResourceRow>({ ...statement, values })).rows;
    },

    /** A user's most recent sessions but one, newest first (through sessions_user_created). */
    async history(userId: string, excludeId: string | null, limit: number): Promise<HistoryRow[]> {
      return (await pool.query<HistoryRow>({ name: 'sr_session_history', text: HISTORY_SQL, values: [userId, excludeId, limit] })).rows;
    },
  });
}

export type SessionListsRepository = ReturnType<typeof createSessionListsRepository>;
