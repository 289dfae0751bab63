import t from 'tap';
import { createStateCache, stateFromRow, type SessionState } from '../../src/sessions/live-state/state-cache.js';
import { buildTestApp, login } from '../helper.js';

const state = (id: string): SessionState => ({
  id,
  userId: 'u',
  tokenHash: Buffer.alloc(32),
  createdAt: 0,
  lastActiveAt: 0,
  idleMs: 1000,
  absoluteExpiresAt: 10_000,
  endedAt: null,
  endReason: null,
  ip: null,
  userAgent: null,
});

t.test('the cache is bounded and drops its oldest state first', async (t) => {
  const cache = createStateCache(3);
  for (const id of ['a', 'b', 'c', 'd']) cache.fill(state(id), cache.generation);
  t.equal(cache.size, 3);
  t.equal(cache.get('a'), undefined, 'the oldest is gone');
  t.ok(cache.get('b') && cache.get('c') && cache.get('d'));
  cache.fill(state('c'), cache.generation);
  t.equal(cache.size, 3, 'refilling a held state does not evict another');
  t.ok(cache.get('b'));
});

t.test('an end is never undone: not by a late fill, not by eviction of the state', async (t) => {
  const cache = createStateCache(2);
  const generation = cache.generation;
  cache.markEnded('a', 5, 'revoked');
  cache.fill(state('a'), generation);
  t.equal(cache.get('a'), undefined, 'a read that began before the end does not fill');
  cache.fill(state('a'), cache.generation);
  t.equal(cache.get('a')?.endedAt, 5, 'a fresh read of an active row still comes back ended');
  t.equal(cache.get('a')?.endReason, 'revoked');
  cache.fill(state('b'), cache.generation);
  cache.fill(state('c'), cache.generation);
  t.equal(cache.get('a'), undefined, 'the state was evicted');
  cache.fill(state('a'), cache.generation);
  t.equal(cache.get('a')?.endedAt, 5, 'the tombstone outlives the state');
});

t.test('markEnded updates a held state at once', async (t) => {
  const cache = createStateCache(10);
  cache.fill(state('x'), cache.generation);
  const held = cache.get('x');
  cache.markEnded('x', 7, 'logout');
  t.equal(held?.endedAt, 7);
  t.equal(held?.endReason, 'logout');
  cache.clear();
  t.equal(cache.size, 0);
  t.equal(cache.endedInfo('x')?.reason, 'logout', 'clearing keeps tombstones');
});

t.test('a cached token hash does not pin a slab of the shared buffer pool', async (t) => {
  const pooled = Buffer.from('ab'.repeat(32), 'hex');
  t.ok(pooled.buffer.byteLength > 32, 'the driver-style decode is a pool slice (precondition)');
  const row = {
    id: 'a',
    user_id: 'u',
    token_hash: pooled,
    created_at: new Date(0),
    last_active_at: new Date(0),
    idle_timeout_seconds: 60,
    absolute_expires_at: new Date(60_000),
    ended_at: null,
    end_reason: null,
    ip: null,
    user_agent: null,
  };
  const held = stateFromRow(row);
  t.equal(held.tokenHash.buffer.byteLength, 32, 'held in memory of its own');
  t.same(held.tokenHash, pooled, 'same bytes');

  const { app, cache } = await buildTestApp(t);
  const { session, token } = await login(app);
  cache.clear();
  const me = await app.inject({ method: 'GET', url: '/v1/me/sessions', headers: { authorization: `Bearer ${token}` } });
  t.equal(me.statusCode, 200, 'the session token authenticates, filling the cache from the database');
  t.equal(cache.get(session.id)?.tokenHash.buffer.byteLength, 32, 'a state read from the database holds no slab');
});
