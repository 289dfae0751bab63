import type { SessionRow, SessionEventRow } from '../db/types.js';
import type { Static } from '@sinclair/typebox';
import type { SessionSchema } from './schemas.js';
import type { SessionState } from './state-cache.js';

/** Activity this instance has accepted but not yet written. */
export interface PendingActivity {
  lastActiveAt: Date;
  pageViews: number;
  heartbeats: number;
}

/**
 * A copy of `bytes` in memory of its own. The driver decodes bytea into slices of Node's shared
 * 8 KB buffer pool, and a cached slice keeps its whole slab alive: 32 bytes would cost 8 KB.
 */
export function unpooled(bytes: Buffer): Buffer {
  const copy = Buffer.allocUnsafeSlow(bytes.length);
  bytes.copy(copy);
  return copy;
}

export function stateFromRow(row: Pick<SessionRow, 'id' | 'user_id' | 'token_hash' | 'created_at' | 'last_active_at' | 'idle_timeout_seconds' | 'absolute_expires_at' | 'ended_at' | 'end_reason' | 'ip' | 'user_agent'>): SessionState {
  return {
    id: row.id,
    userId: row.user_id,
    tokenHash: unpooled(row.token_hash),
    createdAt: row.created_at.getTime(),
    lastActiveAt: row.last_active_at.getTime(),
    idleMs: row.idle_timeout_seconds * 1000,
    absoluteExpiresAt: row.absolute_expires_at.getTime(),
    endedAt: row.ended_at ? row.ended_at.getTime() : null,
    endReason: row.end_reason,
    ip: row.ip,
    userAgent: row.user_agent,
  };
}

/** The moment a session stops being usable: the earlier of idle expiry and absolute expiry. */
export function expiresAtMs(state: Pick<SessionState, 'lastActiveAt' | 'idleMs' | 'absoluteExpiresAt'>): number {
  return Math.min(state.lastActiveAt + state.idleMs, state.absoluteExpiresAt);
}

/** null while usable at `nowMs`; otherwise why it expired. Usable strictly before expiresAt. */
export function expiryReason(state: Pick<SessionState, 'lastActiveAt' | 'idleMs' | 'absoluteExpiresAt'>, nowMs: number): 'idle_timeout' | 'max_age' | null {
  const idleEnd = state.lastActiveAt + state.idleMs;
  if (nowMs < idleEnd && nowMs < state.absoluteExpiresAt) return null;
  return state.absoluteExpiresAt <= idleEnd ? 'max_age' : 'idle_timeout';
}

export type SessionDto = Static<typeof SessionSchema>;

/** The one place that decides what of a stored session is exposed, and how. */
/** The columns a Session resource is made of (never the token hash). */
export type DtoRow = Pick<
  SessionRow,
  | 'id' | 'user_id' | 'created_at' | 'last_active_at' | 'idle_timeout_seconds' | 'absolute_expires_at' | 'ended_at' | 'end_reason'
  | 'page_views' | 'heartbeats' | 'ip' | 'user_agent' | 'agent' | 'label' | 'location' | 'network' | 'risk' | 'login_method' | 'metadata'
>;

/** When a stored session stops being usable, in the form expiryReason takes. */
export function lifetimeOf(row: Pick<SessionRow, 'last_active_at' | 'idle_timeout_seconds' | 'absolute_expires_at'>) {
  return { lastActiveAt: row.last_active_at.getTime(), idleMs: row.idle_timeout_seconds * 1000, absoluteExpiresAt: row.absolute_expires_at.getTime() };
}

export function toSessionDto(row: DtoRow, options: { now: Date; pending?: PendingActivity; current?: boolean }): SessionDto {
  const pending = options.pending;
  let lastActive = row.last_active_at;
  if (pending && pending.lastActiveAt > lastActive) lastActive = pending.lastActiveAt;
  if (row.ended_at && lastActive > row.ended_at) lastActive = row.ended_at;
  const state = { lastActiveAt: lastActive.getTime(), idleMs: row.idle_timeout_seconds * 1000, absoluteExpiresAt: row.absolute_expires_at.getTime() };
  const expiresAt = expiresAtMs(state);

  let endedAt = row.ended_at;
  let endReason = row.end_reason;
  // Expired but not yet written by the sweeper: shown as ended at once, at the moment it expired.
  if (!endedAt) {
    const reason = expiryReason(state, options.now.getTime());
    if (reason) {
      endedAt = new Date(expiresAt);
      endReason = reason;
    }
  }
  const until = endedAt ?? options.now;
  const dto: SessionDto = {
    id: row.id,
    userId: row.user_id,
    status: endedAt ? 'ended' : 'active',
    createdAt: row.created_at.toISOString(),
    lastActiveAt: lastActive.toISOString(),
    expiresAt: new Date(expiresAt).toISOString(),
    endedAt: endedAt ? endedAt.toISOString() : null,
    endReason: endReason as SessionDto['endReason'],
    durationSeconds: Math.max(0, Math.floor((until.getTime() - row.created_at.getTime()) / 1000)),
    activity: {
      pageViews: Number(row.page_views) + (pending?.pageViews ?? 0),
      heartbeats: Number(row.heartbeats) + (pending?.heartbeats ?? 0),
    },
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
    metadata: row.metadata,
  };
  if (options.current !== undefined) dto.current = options.current;
  return dto;
}

export interface SessionEventDto {
  id: string;
  sessionId: string;
  at: string;
  type: string;
  actor: string | null;
  data: Record<string, unknown>;
}

export function toEventDto(row: SessionEventRow): SessionEventDto {
  return { id: String(row.id), sessionId: row.session_id, at: row.at.toISOString(), type: row.type, actor: row.actor, data: row.data };
}
