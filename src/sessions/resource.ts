import type { SessionEventRow } from '../db/types.js';
import type { Activity } from './live-state/activity-buffer.js';
import { expiresAtMs, expiryReason, lifetimeOf } from './lifetime.js';
import type { ResourceRow } from './repositories/columns.js';
import type { SessionEventResource, SessionResource } from './schemas.js';

/** The stored activity figures of a row, in the form the activity buffer overlays. */
export function storedActivity(row: Pick<ResourceRow, 'last_active_at' | 'page_views' | 'heartbeats'>): Activity {
  return { lastActiveAt: row.last_active_at.getTime(), pageViews: Number(row.page_views), heartbeats: Number(row.heartbeats) };
}

/**
 * Who a resource is shaped for: a service (a backend or an operator), or the user through one of
 * their sessions (/v1/me, and the helper that passes those answers on to pages).
 */
export type Viewer = { kind: 'service' } | { kind: 'user'; sessionId: string };

export const SERVICE_VIEWER: Viewer = { kind: 'service' };

/**
 * The one place that decides what of a stored session is exposed, and how. A user is told which
 * session is theirs (`current`) and never sees `metadata`: it is the backend's private data (a
 * fraud score, an internal id), shown to services only.
 */
export function toSessionResource(row: ResourceRow, options: { now: Date; activity: Activity; viewer: Viewer }): SessionResource {
  const { activity } = options;
  // Activity buffered after an end (a heartbeat racing a revoke) never moves past the end.
  const lastActive = row.ended_at ? Math.min(activity.lastActiveAt, row.ended_at.getTime()) : activity.lastActiveAt;
  const lifetime = { ...lifetimeOf(row), lastActiveAt: lastActive };
  const expiresAt = expiresAtMs(lifetime);

  let endedAt = row.ended_at;
  let endReason = row.end_reason;
  // Expired but not yet written by the sweeper: shown as ended at once, at the moment it expired.
  if (!endedAt) {
    const reason = expiryReason(lifetime, options.now.getTime());
    if (reason) {
      endedAt = new Date(expiresAt);
      endReason = reason;
    }
  }
  const until = endedAt ?? options.now;
  const resource: SessionResource = {
    id: row.id,
    userId: row.user_id,
    status: endedAt ? 'ended' : 'active',
    createdAt: row.created_at.toISOString(),
    lastActiveAt: new Date(lastActive).toISOString(),
    expiresAt: new Date(expiresAt).toISOString(),
    endedAt: endedAt ? endedAt.toISOString() : null,
    endReason,
    durationSeconds: Math.max(0, Math.floor((until.getTime() - row.created_at.getTime()) / 1000)),
    activity: { pageViews: activity.pageViews, heartbeats: activity.heartbeats },
    ip: row.ip,
    userAgent: row.user_agent,
    device: row.agent.device,
    os: row.agent.os,
    browser: row.agent.browser,
    client: row.agent.client,
    label: row.label ?? row.agent.label,
    location: row.location,
    network: row.network ?? null,
    risk: row.risk,
    loginMethod: row.login_method,
    ...(options.viewer.kind === 'service' ? { metadata: row.metadata } : {}),
    name: row.name,
    review: { state: row.review_state, at: row.reviewed_at ? row.reviewed_at.toISOString() : null },
  };
  const { viewer } = options;
  if (viewer.kind === 'user') resource.current = row.id === viewer.sessionId;
  return resource;
}

/** Who caused an event, as an end user may see it: only the kind (an operator's name stays with services). */
function actorKind(actor: string | null): string | null {
  if (actor === null) return null;
  if (actor.startsWith('service:')) return 'service';
  if (actor.startsWith('user:')) return 'user';
  return 'system';
}

export function toEventResource(row: SessionEventRow, audience: 'service' | 'user'): SessionEventResource {
  const actor = audience === 'service' ? row.actor : actorKind(row.actor);
  return { id: String(row.id), sessionId: row.session_id, at: row.at.toISOString(), type: row.type, actor, data: row.data };
}
