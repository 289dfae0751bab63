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
  'reported_by_user',
  'erased',
] as const;
export type EndReason = (typeof END_REASONS)[number];

/** The reasons a service may give when it ends sessions. */
export const SERVICE_END_REASONS = ['revoked', 'password_change', 'admin', 'suspicious', 'evicted', 'logout'] as const;
export type ServiceEndReason = (typeof SERVICE_END_REASONS)[number];

/** What a session's event log records. */
export const EVENT_TYPES = [
  'login',
  'ip_changed',
  'country_changed',
  'user_agent_changed',
  'flagged',
  'ended',
  'expired',
  'reviewed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** What the user said about a session ("Was this you?"). */
export const REVIEW_STATES = ['unreviewed', 'confirmed', 'reported'] as const;
export type ReviewState = (typeof REVIEW_STATES)[number];
/** The answers a user (or a service on their behalf) can give. */
export const REVIEW_ANSWERS = ['confirmed', 'reported'] as const;
export type ReviewAnswer = (typeof REVIEW_ANSWERS)[number];

/** What happens to a login beyond SESSION_MAX_PER_USER. */
export const LIMIT_POLICIES = ['evict_oldest', 'deny'] as const;
export type LimitPolicy = (typeof LIMIT_POLICIES)[number];
