import type { OutboxEventRow } from './repositories/outbox-events.js';
import type { DeliveryListRow } from './repositories/webhook-deliveries.js';
import type { EndpointRow } from './repositories/webhook-endpoints.js';
import type { LifecycleEventType } from './vocabulary.js';

// The one mapping from stored rows to what the API shows: never a sealed secret, never SQL types.

const iso = (date: Date | null) => (date === null ? null : date.toISOString());

/** `now` decides whether a rotated-out secret still signs. */
export function toEndpointResource(row: EndpointRow, now: Date) {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.event_types as LifecycleEventType[] | null,
    format: row.format,
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    disabledAt: iso(row.disabled_at),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    lastSuccessAt: iso(row.last_success_at),
    previousSecretExpiresAt:
      row.previous_secret_expires_at && row.previous_secret_expires_at > now ? row.previous_secret_expires_at.toISOString() : null,
  };
}
export type EndpointResource = ReturnType<typeof toEndpointResource>;

export function toDeliveryResource(row: DeliveryListRow) {
  return {
    id: row.id,
    eventId: row.event_id,
    eventType: row.event_type as LifecycleEventType,
    status: row.state,
    attempts: row.attempts,
    nextAttemptAt: row.state === 'pending' ? row.next_attempt_at.toISOString() : null,
    deliveredAt: iso(row.delivered_at),
    createdAt: row.created_at.toISOString(),
    attemptLog: row.attempt_log,
  };
}

export function toEventResource(row: OutboxEventRow) {
  return { id: row.id, type: row.type as LifecycleEventType, timestamp: row.occurred_at.toISOString(), data: row.data };
}
