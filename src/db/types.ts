import type { ColumnType, Generated, Selectable } from 'kysely';
import type { DeviceInfo, ClientHints, ClientInput, Location, Network, Risk } from '../enrich/types.js';
import type { EndReason, EventType, ReviewState } from '../sessions/vocabulary.js';

type Timestamp = ColumnType<Date, Date, Date>;
// bigint columns come back from pg as strings (see database.ts); the resource converts them.
type BigCount = ColumnType<string, number | string | undefined, number | string>;
type Json<T> = ColumnType<T, string, string>;
type DefaultedTimestamp = ColumnType<Date, Date | undefined, Date>;

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

// The events feature's tables (migrations/20261215090000_events_outbox.ts and later).

/** Written only by the trigger on session_events; read by the feed and the fan-out. */
export interface OutboxEventsTable {
  seq: Generated<string>;
  id: Generated<string>;
  type: string;
  session_id: string;
  user_id: string | null;
  occurred_at: Timestamp;
  data: Json<Record<string, unknown>>;
  created_at: DefaultedTimestamp;
  /** The feed's order, stamped after commit; null until then. */
  position: ColumnType<string | null, never, string>;
}

export interface EventDispatchTable {
  id: number;
  last_position: string;
}

export interface WebhookEndpointsTable {
  id: string;
  url: string;
  description: string | null;
  event_types: string[] | null;
  format: 'standard' | 'caep';
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  disabled_reason: 'manual' | 'failing' | null;
  disabled_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** Encrypted (see src/events/secrets.ts); never leaves the repository layer unopened. */
  secret: Buffer;
  previous_secret: Buffer | null;
  previous_secret_expires_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
  last_success_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

/** One attempt as the deliveries list shows it. */
export interface AttemptEntry {
  at: string;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
}

export interface WebhookDeliveriesTable {
  id: Generated<string>;
  endpoint_id: string;
  event_seq: string;
  session_id: string;
  state: ColumnType<'pending' | 'delivered' | 'failed', 'pending' | undefined, 'pending' | 'delivered' | 'failed'>;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: DefaultedTimestamp;
  first_attempt_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  delivered_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  attempt_log: ColumnType<AttemptEntry[], string | undefined, string>;
  created_at: DefaultedTimestamp;
}

/** Every URL an endpoint was given, as hosts (migrations/20261220600000_webhook_url_changes.ts). */
export interface WebhookUrlChangesTable {
  id: Generated<string>;
  endpoint_id: string;
  changed_at: Timestamp;
  /** The service token's subject ("service:<sub>"). */
  changed_by: string;
  /** Null at creation. */
  old_host: string | null;
  new_host: string;
}

export interface EventTables {
  outbox_events: OutboxEventsTable;
  event_dispatch: EventDispatchTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_url_changes: WebhookUrlChangesTable;
}

export type OutboxEventRow = Selectable<OutboxEventsTable>;
export type WebhookEndpointRow = Selectable<WebhookEndpointsTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
export type WebhookUrlChangeRow = Selectable<WebhookUrlChangesTable>;

export interface Database extends EventTables {
  activity_flushes: ActivityFlushesTable;
  sessions: SessionsTable;
  session_removals: SessionRemovalsTable;
  session_events: SessionEventsTable;
}

export type SessionRow = Selectable<SessionsTable>;
export type SessionEventRow = Selectable<SessionEventsTable>;
