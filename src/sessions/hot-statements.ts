import type pg from 'pg';
import type { SessionRow } from '../db/types.js';
import type { DtoRow } from './dto.js';
import type { ListCursor, ListStatus, SessionEventInput } from './repository.js';

// The statements behind login, risk history and the list page, as fixed SQL texts run as named
// (prepared) statements: each connection parses and plans one once, and no query builder runs per
// request. Every column is named, so a later migration that adds columns cannot change what a
// prepared statement returns.

/** What a list page reads: what the resource shows, never the token hash. */
const DTO_COLUMNS = [
  'id', 'user_id', 'created_at', 'last_active_at', 'idle_timeout_seconds', 'absolute_expires_at', 'ended_at', 'end_reason',
  'page_views', 'heartbeats', 'ip', 'user_agent', 'agent', 'label', 'location', 'network', 'risk', 'login_method', 'metadata',
] as const satisfies ReadonlyArray<keyof DtoRow>;

const INSERT_COLUMNS = [
  'id', 'user_id', 'token_hash', 'created_at', 'last_active_at', 'idle_timeout_seconds', 'max_age_seconds', 'absolute_expires_at',
  'expiry_check_at', 'ip', 'user_agent', 'client_hints', 'parser_version', 'agent', 'client_input', 'device_id', 'device_key',
  'location', 'network', 'risk', 'label', 'login_method', 'metadata',
] as const satisfies ReadonlyArray<keyof SessionRow>;
const JSON_COLUMNS = new Set<string>(['client_hints', 'agent', 'client_input', 'location', 'network', 'risk', 'metadata']);

const placeholders = (from: number, count: number) => Array.from({ length: count }, (_, i) => `$${from + i}`).join(', ');

const INSERT_SQL = `
  with inserted as (
    insert into sessions (${INSERT_COLUMNS.join(', ')})
    values (${placeholders(1, INSERT_COLUMNS.length)})
    returning id, user_id
  )
  insert into session_events (session_id, user_id, at, type, actor, data)
  select id, user_id, $${INSERT_COLUMNS.length + 1}, $${INSERT_COLUMNS.length + 2}, $${INSERT_COLUMNS.length + 3}, $${INSERT_COLUMNS.length + 4}
  from inserted`;

/** The session and its login event in one statement; the row is the one given (nothing is generated). */
export async function insertSession(pool: pg.Pool, row: SessionRow, event: SessionEventInput): Promise<void> {
  const values: unknown[] = INSERT_COLUMNS.map((column) => (JSON_COLUMNS.has(column) ? JSON.stringify(row[column]) : row[column]));
  values.push(event.at, event.type, event.actor, JSON.stringify(event.data ?? {}));
  await pool.query({ name: 'sr_insert_session', text: INSERT_SQL, values });
}

export interface HistoryRow {
  id: string;
  created_at: Date;
  last_active_at: Date;
  ended_at: Date | null;
  device_key: string;
  location: SessionRow['location'];
}

const HISTORY_SQL = `
  select id, created_at, last_active_at, ended_at, device_key, location from sessions
  where user_id = $1 and id is distinct from $2::uuid
  order by created_at desc limit $3`;

/** A user's most recent sessions, newest first, for the risk signals (through sessions_user_created). */
export async function sessionHistory(pool: pg.Pool, userId: string, excludeId: string | null, limit: number): Promise<HistoryRow[]> {
  return (await pool.query<HistoryRow>({ name: 'sr_session_history', text: HISTORY_SQL, values: [userId, excludeId, limit] })).rows;
}

const GROUP = '(case when ended_at is null then 0 else 1 end)';
const KEY = 'coalesce(ended_at, last_active_at)';

/** One text per combination of filters (a dozen at most), each prepared under its own name. */
function listStatement(status: ListStatus, cursor: boolean, flagged: boolean): { name: string; text: string } {
  const where = ['user_id = $1'];
  if (status === 'active') where.push('ended_at is null');
  if (status === 'ended') where.push('ended_at is not null');
  if (flagged) where.push(`jsonb_array_length(risk -> 'flags') > 0`);
  if (cursor) where.push(`(${GROUP} > $3 or (${GROUP} = $3 and (${KEY}, id) < ($4::timestamptz, $5::uuid)))`);
  // Sort narrow rows (id and keys), then read the wide rows of the one page: a user with
  // thousands of sessions costs a sort of small tuples, not of every row's JSON columns.
  const text = `
    with page as (
      select id, ${GROUP} as g, ${KEY} as k from sessions
      where ${where.join(' and ')}
      order by g, k desc, id desc
      limit $2
    )
    select ${DTO_COLUMNS.map((c) => `s.${c}`).join(', ')}
    from page join sessions s on s.id = page.id
    where s.user_id = $1
    order by page.g, page.k desc, page.id desc`;
  return { name: `sr_list_${status}${cursor ? '_after' : ''}${flagged ? '_flagged' : ''}`, text };
}

const LIST_STATEMENTS = new Map<string, { name: string; text: string }>();

export async function listPage(
  pool: pg.Pool,
  options: { userId: string; status: ListStatus; limit: number; cursor: ListCursor | null; flagged: boolean },
): Promise<DtoRow[]> {
  const key = `${options.status}|${options.cursor !== null}|${options.flagged}`;
  let statement = LIST_STATEMENTS.get(key);
  if (statement === undefined) {
    statement = listStatement(options.status, options.cursor !== null, options.flagged);
    LIST_STATEMENTS.set(key, statement);
  }
  const values: unknown[] = [options.userId, options.limit];
  if (options.cursor) values.push(options.cursor.g, new Date(options.cursor.t), options.cursor.id);
  return (await pool.query<DtoRow>({ ...statement, values })).rows;
}
