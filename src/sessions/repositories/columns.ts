import type { SessionRow } from '../../db/types.js';
import type { EndReason } from '../vocabulary.js';

// Column lists the statements name explicitly, and the row types they yield, derived from the
// same lists so that a statement and its type cannot disagree.

/** What the Session resource is made of: never the token hash. */
export const RESOURCE_COLUMNS = [
  'id',
  'user_id',
  'created_at',
  'last_active_at',
  'idle_timeout_seconds',
  'absolute_expires_at',
  'ended_at',
  'end_reason',
  'page_views',
  'heartbeats',
  'ip',
  'user_agent',
  'agent',
  'label',
  'location',
  'network',
  'risk',
  'login_method',
  'metadata',
  'name',
  'review_state',
  'reviewed_at',
] as const satisfies ReadonlyArray<keyof SessionRow>;
export type ResourceRow = Pick<SessionRow, (typeof RESOURCE_COLUMNS)[number]>;

/** What the hot path keeps in memory to answer "is this session usable". */
export const STATE_COLUMNS = [
  'id',
  'user_id',
  'token_hash',
  'created_at',
  'last_active_at',
  'idle_timeout_seconds',
  'absolute_expires_at',
  'ended_at',
  'end_reason',
  'ip',
  'user_agent',
] as const satisfies ReadonlyArray<keyof SessionRow>;
export type StateRow = Pick<SessionRow, (typeof STATE_COLUMNS)[number]>;

/** A session's end as the statements that end sessions report it. */
export interface EndedRow {
  id: string;
  user_id: string;
  ended_at: Date;
  end_reason: EndReason;
}

export function isEnded<T extends { ended_at: Date | null; end_reason: EndReason | null }>(
  row: T,
): row is T & { ended_at: Date; end_reason: EndReason } {
  return row.ended_at !== null && row.end_reason !== null;
}

export const qualified = (alias: string, columns: readonly string[]) => columns.map((c) => `${alias}.${c}`).join(', ');
