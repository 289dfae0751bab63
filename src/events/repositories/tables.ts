import type { ColumnType, Generated, Selectable } from 'kysely';

// The tables of the events feature (migrations/20261215090000_events_outbox.ts), part of the
// Database type in src/db/types.ts.

type Timestamp = ColumnType<Date, Date, Date>;
type DefaultedTimestamp = ColumnType<Date, Date | undefined, Date>;
type Json<T> = ColumnType<T, string, string>;

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
