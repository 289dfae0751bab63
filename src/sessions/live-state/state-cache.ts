import type { Lifetime } from '../lifetime.js';
import type { StateRow } from '../repositories/columns.js';
import type { EndReason } from '../vocabulary.js';

/** What the hot path needs to know about a session, kept in memory. Times in epoch ms. */
export interface SessionState extends Lifetime {
  id: string;
  userId: string;
  tokenHash: Buffer;
  createdAt: number;
  endedAt: number | null;
  endReason: EndReason | null;
  ip: string | null;
  userAgent: string | null;
}

/**
 * A copy of `bytes` in memory of its own. The driver decodes bytea into slices of Node's shared
 * 8 KB buffer pool, and a cached slice keeps its whole slab alive: 32 bytes would cost 8 KB.
 */
function unpooled(bytes: Buffer): Buffer {
  const copy = Buffer.allocUnsafeSlow(bytes.length);
  bytes.copy(copy);
  return copy;
}

export function stateFromRow(row: StateRow): SessionState {
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

// Ending is terminal: once a session is known to have ended, nothing may make this instance
// believe it active again. Ends are kept in their own map (tombstones) so that a database read
// which started before the end and finishes after it can never re-insert a stale "active" entry;
// the generation counter makes such a late fill a no-op.
//
// Both maps are bounded and drop their oldest entry first (a Map keeps insertion order): cheaper on
// every lookup than a recency list, and a dropped state is only read from the database again.
class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly max: number) {
    super();
  }

  override set(key: K, value: V): this {
    if (!this.has(key) && this.size >= this.max) this.delete(this.keys().next().value as K);
    return super.set(key, value);
  }
}

export function createStateCache(max: number) {
  const states = new BoundedMap<string, SessionState>(max);
  const ended = new BoundedMap<string, { endedAt: number; reason: EndReason }>(max * 2);
  let generation = 0;

  return {
    get generation() {
      return generation;
    },
    get size() {
      return states.size;
    },
    get(id: string): SessionState | undefined {
      const state = states.get(id);
      const end = ended.get(id);
      if (end && state && state.endedAt === null) {
        state.endedAt = end.endedAt;
        state.endReason = end.reason;
      }
      return state;
    },
    endedInfo(id: string) {
      return ended.get(id);
    },
    /** Stores a state read from the database, unless an end or a resync happened since the read began. */
    fill(state: SessionState, generationAtRead: number): void {
      if (generationAtRead !== generation) return;
      const end = ended.get(state.id);
      if (end && state.endedAt === null) {
        state.endedAt = end.endedAt;
        state.endReason = end.reason;
      }
      states.set(state.id, state);
    },
    markEnded(id: string, endedAt: number, reason: EndReason): void {
      generation++;
      ended.set(id, { endedAt, reason });
      const state = states.get(id);
      if (state && state.endedAt === null) {
        state.endedAt = endedAt;
        state.endReason = reason;
      }
    },
    /** Forget every active state (the invalidation feed was interrupted); tombstones stay true. */
    clear(): void {
      generation++;
      states.clear();
    },
  };
}

export type StateCache = ReturnType<typeof createStateCache>;
