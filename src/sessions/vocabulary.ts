// The words sessions are described with: stored in rows, shown in the API, listed in its schemas.

export const SESSION_STATUSES = ['active', 'ended', 'all'] as const;
export type ListStatus = (typeof SESSION_STATUSES)[number];

export const END_REASONS = [
  'logout',
  'revoked',
  'revoked_by_user',
  'password_change',
  'admin',
  'idle_timeout',
  'max_age',
  'suspicious',
  'evicted',
] as const;
export type EndReason = (typeof END_REASONS)[number];

/** The reasons a service may give when it ends sessions. */
export const SERVICE_END_REASONS = ['revoked', 'password_change', 'admin', 'suspicious', 'evicted', 'logout'] as const;

/** What a session's event log records. */
export const EVENT_TYPES = ['login', 'ip_changed', 'country_changed', 'user_agent_changed', 'flagged', 'ended', 'expired'] as const;
export type EventType = (typeof EVENT_TYPES)[number];
