// The words lifecycle events are described with: outbox rows, webhook bodies, the feed, the schemas.

/** What the outbox holds (the trigger on session_events writes these names). */
export const LIFECYCLE_EVENT_TYPES = [
  'session.created',
  'session.ended',
  'session.flagged',
  'session.location_changed',
  'session.reviewed',
] as const;
export type LifecycleEventType = (typeof LIFECYCLE_EVENT_TYPES)[number];

/** standard: Standard Webhooks JSON; caep: session.ended as a CAEP session-revoked SET (RFC 8417/8935). */
export const ENDPOINT_FORMATS = ['standard', 'caep'] as const;
export type EndpointFormat = (typeof ENDPOINT_FORMATS)[number];

export const DELIVERY_STATES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** Why an endpoint is off: its owner turned it off, or it failed for the whole retry schedule. */
export const DISABLED_REASONS = ['manual', 'failing'] as const;

/** Which event types a format can carry. */
export const carries = (format: EndpointFormat, type: string): boolean => format === 'standard' || type === 'session.ended';

/** The channel the outbox trigger notifies when sessions end (see the migration). */
export const EVENTS_CHANNEL = 'session_registry_events';

export const CAEP_SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
