import { timingSafeEqual } from 'node:crypto';
import { expiresAtMs, expiryReason, type ExpiryReason, type Lifetime } from '../lifetime.js';
import type { StateRow } from '../repositories/columns.js';
import { END_REASONS, type EndReason } from '../vocabulary.js';
import { IdTable } from './id-table.js';
import { Interner } from './interner.js';

/** What the hot path needs to know about a session. Times in epoch ms. */
export interface SessionState extends Lifetime {
  id: string;
  userId: string;
  tokenHash: Buffer;
  endedAt: number | null;
  endReason: EndReason | null;
  ip: string | null;
  userAgent: string | null;
}

export function stateFromRow(row: StateRow): SessionState {
  return {
    id: row.id,
    userId: row.user_id,
    tokenHash: row.token_hash,
    lastActiveAt: row.last_active_at.getTime(),
    idleMs: row.idle_timeout_seconds * 1000,
    absoluteExpiresAt: row.absolute_expires_at.getTime(),
    endedAt: row.ended_at ? row.ended_at.getTime() : null,
    endReason: row.end_reason,
    ip: row.ip,
    userAgent: row.user_agent,
  };
}

/**
 * The memory budgeted per cached session: its columns here, its end kept as a tombstone, and its
 * share of the strings it refers to (user id, address, User-Agent). The bound is set from memory
 * (STATE_CACHE_MAX_MB) through this figure; test/sessions/state-cache-memory.test.ts measures it.
 */
export const BYTES_PER_SESSION = 300;

const HASH_BYTES = 32;
const REASON_CODES = new Map<EndReason, number>(END_REASONS.map((reason, i) => [reason, i + 1]));

// Ending is terminal: once a session is known to have ended, nothing may make this instance
// believe it active again. Ends are also kept apart (tombstones) so that a database read which
// started before the end and finishes after it can never re-insert a stale "active" state, even
// after the state itself was evicted; the generation counter makes such a late fill a no-op.
//
// States live in columns of typed arrays (see id-table.ts) rather than one object each: a token hash
// is 32 bytes of an arena, times are numbers, and user ids, addresses and User-Agents are interned.
export function createStateCache(options: { maxEntries: number }) {
  let tokenHashes = new Uint8Array(0);
  let userRefs = new Uint32Array(0);
  let ipRefs = new Uint32Array(0);
  let agentRefs = new Uint32Array(0);
  let lastActive = new Float64Array(0);
  let absoluteEnd = new Float64Array(0);
  let idleSeconds = new Uint32Array(0);
  /** 0 while active. */
  let endedAt = new Float64Array(0);
  let endReason = new Uint8Array(0);
  const users = new Interner();
  const addresses = new Interner();
  const agents = new Interner();

  const grow = <T extends Float64Array | Uint32Array | Uint8Array>(array: T, size: number): T => {
    const next = new (array.constructor as new (n: number) => T)(size);
    next.set(array);
    return next;
  };
  const resize = (next: number) => {
    tokenHashes = grow(tokenHashes, next * HASH_BYTES);
    userRefs = grow(userRefs, next);
    ipRefs = grow(ipRefs, next);
    agentRefs = grow(agentRefs, next);
    lastActive = grow(lastActive, next);
    absoluteEnd = grow(absoluteEnd, next);
    idleSeconds = grow(idleSeconds, next);
    endedAt = grow(endedAt, next);
    endReason = grow(endReason, next);
  };
  const states = new IdTable({
    maxEntries: options.maxEntries,
    onGrow: resize,
    onRelease: (slot) => {
      users.release(userRefs[slot]);
      addresses.release(ipRefs[slot]);
      agents.release(agentRefs[slot]);
      userRefs[slot] = ipRefs[slot] = agentRefs[slot] = 0;
    },
  });
  resize(states.capacity);

  let tombEndedAt = new Float64Array(0);
  let tombReason = new Uint8Array(0);
  const tombstones = new IdTable({
    maxEntries: options.maxEntries,
    onGrow: (next) => {
      tombEndedAt = grow(tombEndedAt, next);
      tombReason = grow(tombReason, next);
    },
    onRelease: (slot) => {
      tombEndedAt[slot] = 0;
      tombReason[slot] = 0;
    },
  });
  tombEndedAt = new Float64Array(tombstones.capacity);
  tombReason = new Uint8Array(tombstones.capacity);

  let generation = 0;

  const reasonOf = (code: number): EndReason => END_REASONS[code - 1];
  const lifetimeOf = (slot: number): Lifetime => ({
    lastActiveAt: lastActive[slot],
    idleMs: idleSeconds[slot] * 1000,
    absoluteExpiresAt: absoluteEnd[slot],
  });

  function endedInfo(id: string): { endedAt: number; reason: EndReason } | undefined {
    const tomb = tombstones.find(id);
    if (tomb < 0) return undefined;
    return { endedAt: tombEndedAt[tomb], reason: reasonOf(tombReason[tomb]) };
  }

  function setEnd(slot: number, at: number, reason: EndReason): void {
    if (endedAt[slot] !== 0) return;
    endedAt[slot] = at;
    endReason[slot] = REASON_CODES.get(reason) ?? 0;
  }

  return {
    get generation(): number {
      return generation;
    },
    get size(): number {
      return states.size;
    },

    // The hot path reads and writes a slot's columns directly: no object per lookup.
    slotOf: (id: string): number => states.find(id),
    isActive: (slot: number): boolean => endedAt[slot] === 0,
    userIdOf: (slot: number): string => users.get(userRefs[slot]) as string,
    ipOf: (slot: number): string | null => addresses.get(ipRefs[slot]),
    userAgentOf: (slot: number): string | null => agents.get(agentRefs[slot]),
    expiryReasonAt: (slot: number, nowMs: number): ExpiryReason | null => expiryReason(lifetimeOf(slot), nowMs),
    expiresAt: (slot: number): number => expiresAtMs(lifetimeOf(slot)),
    /** Activity now: last activity moves forward only. */
    touch(slot: number, nowMs: number): void {
      if (nowMs > lastActive[slot]) lastActive[slot] = nowMs;
    },
    /** Whether `hash` (the SHA-256 of a presented token) is the session's, compared in constant time. */
    tokenMatches(slot: number, hash: Buffer): boolean {
      return hash.length === HASH_BYTES && timingSafeEqual(hash, tokenHashes.subarray(slot * HASH_BYTES, (slot + 1) * HASH_BYTES));
    },

    /** A copy of the state held for `id`, with any end known for it. */
    get(id: string): SessionState | undefined {
      const slot = states.find(id);
      if (slot < 0) return undefined;
      const end = endedInfo(id);
      if (end) setEnd(slot, end.endedAt, end.reason);
      return {
        id,
        userId: users.get(userRefs[slot]) as string,
        tokenHash: Buffer.from(tokenHashes.subarray(slot * HASH_BYTES, (slot + 1) * HASH_BYTES)),
        ...lifetimeOf(slot),
        endedAt: endedAt[slot] === 0 ? null : endedAt[slot],
        endReason: endedAt[slot] === 0 ? null : reasonOf(endReason[slot]),
        ip: addresses.get(ipRefs[slot]),
        userAgent: agents.get(agentRefs[slot]),
      };
    },
    endedInfo,

    /** Stores a state read from the database, unless an end or a resync happened since the read began. */
    fill(state: SessionState, generationAtRead: number): void {
      if (generationAtRead !== generation) return;
      const slot = states.insert(state.id);
      if (slot < 0) return;
      users.release(userRefs[slot]);
      addresses.release(ipRefs[slot]);
      agents.release(agentRefs[slot]);
      userRefs[slot] = users.acquire(state.userId);
      ipRefs[slot] = addresses.acquire(state.ip);
      agentRefs[slot] = agents.acquire(state.userAgent);
      tokenHashes.set(state.tokenHash.subarray(0, HASH_BYTES), slot * HASH_BYTES);
      lastActive[slot] = state.lastActiveAt;
      absoluteEnd[slot] = state.absoluteExpiresAt;
      idleSeconds[slot] = Math.round(state.idleMs / 1000);
      endedAt[slot] = 0;
      endReason[slot] = 0;
      if (state.endedAt !== null && state.endReason !== null) setEnd(slot, state.endedAt, state.endReason);
      const end = endedInfo(state.id);
      if (end) setEnd(slot, end.endedAt, end.reason);
    },

    /** A held session's new address or User-Agent (a heartbeat moved it). */
    update(id: string, changes: { ip?: string | null; userAgent?: string | null }): void {
      const slot = states.find(id);
      if (slot < 0) return;
      if (changes.ip !== undefined) {
        addresses.release(ipRefs[slot]);
        ipRefs[slot] = addresses.acquire(changes.ip);
      }
      if (changes.userAgent !== undefined) {
        agents.release(agentRefs[slot]);
        agentRefs[slot] = agents.acquire(changes.userAgent);
      }
    },

    markEnded(id: string, at: number, reason: EndReason): void {
      generation++;
      const tomb = tombstones.insert(id);
      if (tomb >= 0 && tombReason[tomb] === 0) {
        tombEndedAt[tomb] = at;
        tombReason[tomb] = REASON_CODES.get(reason) ?? 0;
      }
      const slot = states.find(id);
      if (slot >= 0) setEnd(slot, at, reason);
    },

    /** Forget every active state (the invalidation feed was interrupted); tombstones stay true. */
    clear(): void {
      generation++;
      states.clear();
    },

    /** Distinct strings held (user ids, addresses, User-Agents), for the memory figures. */
    get internedStrings(): number {
      return users.size + addresses.size + agents.size;
    },
  };
}

export type StateCache = ReturnType<typeof createStateCache>;
