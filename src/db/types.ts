import type { ColumnType, Generated, Selectable } from 'kysely';
import type { DeviceInfo, ClientHints, ClientInput, Location, Network, Risk } from '../enrich/types.js';
import type { EventTables } from '../events/repositories/tables.js';
import type { EndReason, EventType, ReviewState } from '../sessions/vocabulary.js';

type Timestamp = ColumnType<Date, Date, Date>;
// bigint columns come back from pg as strings (see database.ts); the resource converts them.
type BigCount = ColumnType<string, number | string | undefined, number | string>;
type Json<T> = ColumnType<T, string, string>;

export interface SessionsTable {
  id: string;
  user_id: string;
  token_hash: Buffer;
  created_at: Timestamp;
  last_active_at: Timestamp;
  idle_timeout_seconds: number;
  max_age_seconds: number;
  absolute_expires_at: Timestamp;
  /** A lower bound of the real expiry, for the sweeper's index; activity flushes never write it. */
  expiry_check_at: Timestamp;
  ended_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  end_reason: EndReason | null;
  ended_by: string | null;
  /** When the end was written, in the database's time (the trigger sessions_end_logged): what a revocation catch-up reads. */
  ended_logged_at: ColumnType<Date | null, never, never>;
  page_views: BigCount;
  heartbeats: BigCount;
  ip: string | null;
  user_agent: string | null;
  client_hints: Json<ClientHints | null>;
  parser_version: string | null;
  agent: Json<DeviceInfo>;
  client_input: Json<ClientInput | null>;
  device_id: string | null;
  device_key: string;
  location: Json<Location | null>;
  network: Json<Network | null>;
  risk: Json<Risk>;
  label: string | null;
  login_method: string | null;
  metadata: Json<Record<string, unknown>>;
  /** What the user calls this device; null until they name it. */
  name: ColumnType<string | null, string | null | undefined, string | null>;
  review_state: ColumnType<ReviewState, ReviewState | undefined, ReviewState>;
  reviewed_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** When address retention replaced its addresses by their networks; null while they are whole. */
  addresses_reduced_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface SessionEventsTable {
  id: Generated<string>;
  session_id: string;
  user_id: string;
  at: Timestamp;
  type: EventType;
  actor: string | null;
  data: Json<Record<string, unknown>>;
}

export interface ActivityFlushesTable {
  id: string;
  applied_at: ColumnType<Date, Date | undefined, Date>;
}

/** Sessions deleted while active or just ended (an erasure), kept an hour for revocation catch-ups. */
export interface SessionRemovalsTable {
  session_id: string;
  removed_at: ColumnType<Date, never, never>;
}

export interface Database extends EventTables {
  activity_flushes: ActivityFlushesTable;
  sessions: SessionsTable;
  session_removals: SessionRemovalsTable;
  session_events: SessionEventsTable;
}

export type SessionRow = Selectable<SessionsTable>;
export type SessionEventRow = Selectable<SessionEventsTable>;
