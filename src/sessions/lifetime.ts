import { sql, type RawBuilder } from 'kysely';

// The expiry rule, once in TypeScript (the hot path decides in memory) and once in SQL (the
// sweeper and list settling decide in the database). test/sessions/lifetime.test.ts holds both to
// the same answers; change them together.
//
// A session is usable strictly before the earlier of its idle end (last activity + idle timeout)
// and its absolute end. When both fall at the same moment the reason is max_age.

export type ExpiryReason = 'idle_timeout' | 'max_age';

/** A session's lifetime in epoch milliseconds. */
export interface Lifetime {
  lastActiveAt: number;
  idleMs: number;
  absoluteExpiresAt: number;
}

/** The moment a session stops being usable. */
export function expiresAtMs(lifetime: Lifetime): number {
  return Math.min(lifetime.lastActiveAt + lifetime.idleMs, lifetime.absoluteExpiresAt);
}

/** null while usable at `nowMs`; otherwise why it expired. */
export function expiryReason(lifetime: Lifetime, nowMs: number): ExpiryReason | null {
  const idleEnd = lifetime.lastActiveAt + lifetime.idleMs;
  if (nowMs < idleEnd && nowMs < lifetime.absoluteExpiresAt) return null;
  return lifetime.absoluteExpiresAt <= idleEnd ? 'max_age' : 'idle_timeout';
}

/** The lifetime of a stored row. */
export function lifetimeOf(row: { last_active_at: Date; idle_timeout_seconds: number; absolute_expires_at: Date }): Lifetime {
  return {
    lastActiveAt: row.last_active_at.getTime(),
    idleMs: row.idle_timeout_seconds * 1000,
    absoluteExpiresAt: row.absolute_expires_at.getTime(),
  };
}

// The SQL twin, over the columns of `sessions`.
const idleEnd = sql<Date>`(last_active_at + make_interval(secs => idle_timeout_seconds))`;

export const expiry = {
  /** expiresAtMs */
  at: sql<Date>`least(absolute_expires_at, ${idleEnd})`,
  /** expiryReason(...) !== null */
  isExpired: (now: Date): RawBuilder<boolean> => sql<boolean>`(absolute_expires_at <= ${now} or ${idleEnd} <= ${now})`,
  /** expiryReason for a row that has expired */
  reason: sql<ExpiryReason>`(case when absolute_expires_at <= ${idleEnd} then 'max_age' else 'idle_timeout' end)`,
};
