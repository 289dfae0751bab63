import t from 'tap';
import { randomUUID } from 'node:crypto';
import { createStateCache, type SessionState } from '../../src/sessions/live-state/state-cache.js';
import { buildTestApp, login } from '../helper.js';

const ids: Record<string, string> = {};
const idOf = (name: string) => (ids[name] ??= randomUUID());

const state = (name: string, extra: Partial<SessionState> = {}): SessionState => ({
  id: idOf(name),
  userId: 'u',
  tokenHash: Buffer.alloc(32, 7),
  lastActiveAt: 0,
  idleMs: 1000,
  absoluteExpiresAt: 10_000,
  endedAt: null,
  endReason: null,
  ip: null,
  userAgent: null,
  ...extra,
});

t.test('the cache is bounded and drops its oldest state first', async (t) => {
  const cache = createStateCache({ maxEntries: 3 });
  for (const name of ['a', 'b', 'c', 'd']) cache.fill(state(name), cache.generation);
  t.equal(cache.size, 3);
  t.equal(cache.get(idOf('a')), undefined, 'the oldest is gone');
  t.ok(cache.get(idOf('b')) && cache.get(idOf('c')) && cache.get(idOf('d')));
  cache.fill(state('c'), cache.generation);
  t.equal(cache.size, 3, 'refilling a held state does not evict another');
  t.ok(cache.get(idOf('b')));
});

t.test('an end is never undone: not by a late fill, not by eviction of the state', async (t) => {
  const cache = createStateCache({ maxEntries: 2 });
  const generation = cache.generation;
  cache.markEnded(idOf('e'), 5, 'revoked');
  cache.fill(state('e'), generation);
  t.equal(cache.get(idOf('e')), undefined, 'a read that began before the end does not fill');
  cache.fill(state('e'), cache.generation);
  t.equal(cache.get(idOf('e'))?.endedAt, 5, 'a fresh read of an active row still comes back ended');
  t.equal(cache.get(idOf('e'))?.endReason, 'revoked');
  t.equal(cache.isActive(cache.slotOf(idOf('e'))), false, 'and the hot path sees it ended');
  cache.fill(state('f'), cache.generation);
  cache.fill(state('g'), cache.generation);
  t.equal(cache.get(idOf('e')), undefined, 'the state was evicted');
  cache.fill(state('e'), cache.generation);
  t.equal(cache.get(idOf('e'))?.endedAt, 5, 'the tombstone outlives the state');
});

t.test('markEnded updates a held state at once; clearing keeps tombstones', async (t) => {
  const cache = createStateCache({ maxEntries: 10 });
  cache.fill(state('x'), cache.generation);
  const slot = cache.slotOf(idOf('x'));
  t.equal(cache.isActive(slot), true);
  cache.markEnded(idOf('x'), 7, 'logout');
  t.equal(cache.isActive(slot), false);
  t.same([cache.get(idOf('x'))?.endedAt, cache.get(idOf('x'))?.endReason], [7, 'logout']);
  cache.markEnded(idOf('x'), 9, 'revoked');
  t.equal(cache.endedInfo(idOf('x'))?.endedAt, 7, 'the first end stands');
  cache.clear();
  t.equal(cache.size, 0);
  t.equal(cache.endedInfo(idOf('x'))?.reason, 'logout', 'clearing keeps tombstones');
});

t.test('columns hold what was filled: user, address, device, lifetime, token hash', async (t) => {
  const cache = createStateCache({ maxEntries: 10 });
  const hash = Buffer.alloc(32, 3);
  cache.fill(
    state('y', {
      userId: 'yara',
      ip: '8.8.8.8',
      userAgent: 'UA/1',
      lastActiveAt: 1_000,
      idleMs: 60_000,
      absoluteExpiresAt: 30_000,
      tokenHash: hash,
    }),
    cache.generation,
  );
  const slot = cache.slotOf(idOf('y'));
  t.same([cache.userIdOf(slot), cache.ipOf(slot), cache.userAgentOf(slot)], ['yara', '8.8.8.8', 'UA/1']);
  t.equal(cache.expiresAt(slot), 30_000, 'the earlier of idle and absolute expiry');
  t.equal(cache.expiryReasonAt(slot, 29_999), null);
  t.equal(cache.expiryReasonAt(slot, 30_000), 'max_age');
  cache.touch(slot, 500);
  t.equal(cache.get(idOf('y'))?.lastActiveAt, 1_000, 'activity never moves back');
  t.ok(cache.tokenMatches(slot, Buffer.alloc(32, 3)));
  hash.fill(9);
  t.ok(cache.tokenMatches(slot, Buffer.alloc(32, 3)), 'the cache keeps its own copy of the hash, not the buffer it was given');
  t.notOk(cache.tokenMatches(slot, Buffer.alloc(32, 9)));
  cache.update(idOf('y'), { ip: '1.1.1.1', userAgent: 'UA/2' });
  t.same([cache.ipOf(slot), cache.userAgentOf(slot)], ['1.1.1.1', 'UA/2']);
  t.equal(cache.internedStrings, 3, 'the strings no slot uses any more are gone');
});

t.test('strings shared by many sessions are held once, and go with the last session using them', async (t) => {
  const cache = createStateCache({ maxEntries: 1000 });
  for (let i = 0; i < 500; i++)
    cache.fill(state(`s${i}`, { userId: `user-${i % 10}`, ip: `10.0.0.${i % 5}`, userAgent: 'Same/1.0' }), cache.generation);
  t.equal(cache.internedStrings, 10 + 5 + 1);
  cache.clear();
  t.equal(cache.internedStrings, 0);
});

t.test('a session token authenticates from memory after a database read fills the cache', async (t) => {
  const { app, cache } = await buildTestApp(t);
  const { session, token } = await login(app);
  cache.clear();
  const me = await app.inject({ method: 'GET', url: '/v1/me/sessions', headers: { authorization: `Bearer ${token}` } });
  t.equal(me.statusCode, 200, 'the session token authenticates, filling the cache from the database');
  t.ok(cache.slotOf(session.id) >= 0, 'the state is held again');
});
