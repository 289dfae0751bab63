import type { DatabaseHandle } from '../../db/database.js';
import type { SessionRow } from '../../db/types.js';
import type { RiskFlag } from '../../enrich/types.js';
import { translatingErrors } from '../../db/errors.js';
import { namedStatement, type NamedStatement } from '../../db/statements.js';
import { SESSION_STATUSES, type ListStatus, type ReviewState } from '../vocabulary.js';
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

export const HISTORY_COLUMNS = [
  'id',
  'created_at',
  'last_active_at',
  'ended_at',
  'device_key',
  'location',
  'review_state',
] as const satisfies ReadonlyArray<keyof SessionRow>;
/** A past session as the risk signals weigh it, with the flags it was given (not their explanations). */
export type HistoryRow = Pick<SessionRow, (typeof HISTORY_COLUMNS)[number]> & { flags: RiskFlag[] };

const HISTORY = namedStatement<HistoryRow, [userId: string, excludeId: string | null, limit: number]>(
  'sr_session_history',
  `
  select ${HISTORY_COLUMNS.join(', ')}, risk -> 'flags' as flags from sessions
  where user_id = $1 and id is distinct from $2::uuid
  order by created_at desc limit $3`,
);

const GROUP = '(case when ended_at is null then 0 else 1 end)';
const KEY = 'coalesce(ended_at, last_active_at)';

type ListVariant = { status: ListStatus; after: boolean; flagged: boolean; reviewed: boolean };
const variantKey = (v: ListVariant) => `${v.status}${v.after ? '_after' : ''}${v.flagged ? '_flagged' : ''}${v.reviewed ? '_review' : ''}`;

/**
 * One statement per combination of filters (24), each prepared under its own name. The filters
 * choose which conditions the text holds; every value is a parameter: $1 the user, $2 the limit,
 * then the position to start after ($3–$5) and the review state (the next one).
 */
function listText({ status, after, flagged, reviewed }: ListVariant): string {
  const where = ['user_id = $1'];
  if (status === 'active') where.push('ended_at is null');
  if (status === 'ended') where.push('ended_at is not null');
  if (flagged) where.push(`jsonb_array_length(risk -> 'flags') > 0`);
  if (after) where.push(`(${GROUP} > $3 or (${GROUP} = $3 and (${KEY}, id) < ($4::timestamptz, $5::uuid)))`);
  if (reviewed) where.push(`review_state = $${after ? 6 : 3}`);
  // Sort narrow rows (id and keys), then read the wide rows of the one page: a user with
  // thousands of sessions costs a sort of small tuples, not of every row's JSON columns.
  return `
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
}

const LISTS = new Map<string, NamedStatement<unknown[], ResourceRow>>();
for (const status of SESSION_STATUSES) {
  for (const after of [false, true]) {
    for (const flagged of [false, true]) {
      for (const reviewed of [false, true]) {
        const variant = { status, after, flagged, reviewed };
        LISTS.set(variantKey(variant), namedStatement<ResourceRow>(`sr_list_${variantKey(variant)}`, listText(variant)));
      }
    }
  }
}

export function createSessionListsRepository({ run }: DatabaseHandle) {
  return translatingErrors({
    /** Up to `limit` of a user's sessions in list order: active by last activity, then ended by end time, newest first. */
    async page(options: {
      userId: string;
      status: ListStatus;
      limit: number;
      after: ListPosition | null;
      flagged: boolean;
      review?: ReviewState;
    }): Promise<ResourceRow[]> {
      const { after, review } = options;
      const statement = LISTS.get(
        variantKey({ status: options.status, after: after !== null, flagged: options.flagged, reviewed: review !== undefined }),
      );
      if (statement === undefined) throw new Error(`no list statement for status ${String(options.status)}`);
      const values: unknown[] = [options.userId, options.limit];
      if (after) values.push(after.group === 'active' ? 0 : 1, after.at, after.id);
      if (review !== undefined) values.push(review);
      return run(statement.bind(...values));
    },

    /** A user's most recent sessions but one, newest first (through sessions_user_created). */
    async history(userId: string, excludeId: string | null, limit: number): Promise<HistoryRow[]> {
      return run(HISTORY.bind(userId, excludeId, limit));
    },
  });
}

export type SessionListsRepository = ReturnType<typeof createSessionListsRepository>;
