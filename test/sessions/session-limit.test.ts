import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { buildTestApp, call, CHROME_MAC, createTestDatabase, fixedClock, login, serviceToken, until } from '../helper.js';

async function attempt(app: FastifyInstance, body: Record<string, unknown>) {
  return call(app, serviceToken(app), {
    method: 'POST',
    url: '/v1/sessions',
    payload: { userId: 'lim', userAgent: CHROME_MAC, ip: '81.2.69.142', ...body },
  });
}

async function activeIds(app: FastifyInstance, userId = 'lim'): Promise<string[]> {
  const page = await call(app, serviceToken(app), { method: 'GET', url: `/v1/users/${userId}/sessions?status=active&limit=100` });
  return (page.json().items as Array<{ id: string }>).map((s) => s.id).sort();
}

t.test('evict_oldest: the least recently active sessions end as evicted, on every instance, and the answer names them', async (t) => {
  const clock = fixedClock();
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const a = await buildTestApp(t, { clock, db, env: { SESSION_MAX_PER_USER: '3' } });
  const b = await buildTestApp(t, { clock, db, env: { SESSION_MAX_PER_USER: '3' } });
  const made: Array<Awaited<ReturnType<typeof login>>> = [];
  for (let i = 0; i < 3; i++) {
    made.push(await login(a.app, { userId: 'lim' }));
    clock.advance(1000);
  }
  t.same(
    made.map((m) => m.evicted),
    [[], [], []],
    'nothing evicted below the limit',
  );
  // The first is used again: the second is now the least recently active.
  t.equal(
    (await call(a.app, serviceToken(a.app), { method: 'POST', url: `/v1/sessions/${made[0].session.id}/heartbeat` })).statusCode,
    200,
  );
  await a.sessions.flushActivity();
  // B knows the second session (it holds it in its cache) before it is evicted.
  t.equal((await call(b.app, made[1].token, { method: 'GET', url: '/v1/me/sessions' })).statusCode, 200);
  clock.advance(1000);
  const fourth = await attempt(a.app, {});
  t.equal(fourth.statusCode, 201);
  t.same(fourth.json().evicted, [made[1].session.id], 'the least recently active one');
  const evicted = await call(a.app, serviceToken(a.app), { method: 'GET', url: `/v1/sessions/${made[1].session.id}` });
  t.same([evicted.json().status, evicted.json().endReason], ['ended', 'evicted']);
  const events = (await a.eventLog.list(made[1].session.id, 10, null)).map((e) => [e.type, e.data]);
  t.same(events[0], ['ended', { reason: 'evicted' }], 'an ended event with the reason');
  t.same(await activeIds(a.app), [made[0].session.id, made[2].session.id, fourth.json().session.id].sort());
  t.equal((await call(a.app, made[1].token, { method: 'GET', url: '/v1/me/sessions' })).statusCode, 401, 'refused at once here');
  t.ok(
    await until(async () => (await call(b.app, made[1].token, { method: 'GET', url: '/v1/me/sessions' })).statusCode === 401),
    'and on the other instance',
  );
});

t.test('deny: 409 session_limit_reached and nothing is stored', async (t) => {
  const { app, handle } = await buildTestApp(t, { env: { SESSION_MAX_PER_USER: '2', SESSION_LIMIT_POLICY: 'deny' } });
  await login(app, { userId: 'lim' });
  await login(app, { userId: 'lim' });
  const before = await handle.db
    .selectFrom('session_events')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  const refused = await attempt(app, {});
  t.equal(refused.statusCode, 409);
  t.equal(refused.json().code, 'session_limit_reached');
  t.match(refused.headers['content-type'], /application\/problem\+json/);
  t.equal((await activeIds(app)).length, 2, 'no third session');
  const after = await handle.db
    .selectFrom('session_events')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  t.equal(after.n, before.n, 'no event written');
  t.equal((await handle.db.selectFrom('sessions').select('id').execute()).length, 2, 'no row written');
  t.equal((await attempt(app, { userId: 'someone-else' })).statusCode, 201, 'the limit is per user');
  const quoted = "o'brien \\'); select pg_sleep(5); --";
  for (let i = 0; i < 2; i++) t.equal((await attempt(app, { userId: quoted })).statusCode, 201, 'a user id with quotes and backslashes');
  t.equal((await attempt(app, { userId: quoted })).statusCode, 409, 'is limited as any other');
});

t.test('maxActiveSessions lowers the limit for one login, never raises it; 0 means no limit', async (t) => {
  const { app } = await buildTestApp(t, { env: { SESSION_MAX_PER_USER: '3' } });
  const first = await login(app, { userId: 'lim' });
  const second = await login(app, { userId: 'lim' });
  const single = await attempt(app, { maxActiveSessions: 1 });
  t.equal(single.statusCode, 201);
  t.same([...single.json().evicted].sort(), [first.session.id, second.session.id].sort(), 'one session at a time: every other one goes');
  t.same(await activeIds(app), [single.json().session.id]);
  for (let i = 0; i < 3; i++) t.equal((await attempt(app, { maxActiveSessions: 50 })).statusCode, 201);
  t.equal((await activeIds(app)).length, 3, 'asking for 50 still holds to the configured 3');

  const unlimited = await buildTestApp(t, { env: { SESSION_MAX_PER_USER: '0' } });
  for (let i = 0; i < 5; i++) t.same((await attempt(unlimited.app, {})).json().evicted, []);
  t.equal((await activeIds(unlimited.app)).length, 5, 'no limit at all');
  const own = await attempt(unlimited.app, { maxActiveSessions: 2 });
  t.equal(own.json().evicted.length, 4, 'but a login may still ask for its own');
  t.equal((await attempt(unlimited.app, { maxActiveSessions: 0 })).statusCode, 400, 'at least 1');
});

t.test('an expired session neither counts nor is evicted', async (t) => {
  const clock = fixedClock();
  const { app, rows } = await buildTestApp(t, { clock, env: { SESSION_MAX_PER_USER: '2', SESSION_LIMIT_POLICY: 'deny' } });
  const idle = await login(app, { userId: 'lim', idleTimeoutSeconds: 60 });
  await login(app, { userId: 'lim' });
  clock.advance(120 * 1000);
  const third = await attempt(app, {});
  t.equal(third.statusCode, 201, 'the idle one is not in the way');
  t.equal((await rows.findById(idle.session.id))?.end_reason, null, 'and is left for expiry to write');
});

t.test('logins racing for the last place never both get it, on one instance or two', async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const env = { SESSION_MAX_PER_USER: '5', SESSION_LIMIT_POLICY: 'deny', DATABASE_POOL_SIZE: '10' };
  const a = await buildTestApp(t, { db, env });
  const b = await buildTestApp(t, { db, env });
  for (let round = 0; round < 5; round++) {
    const userId = `race-${round}`;
    for (let i = 0; i < 4; i++) await login(a.app, { userId });
    // Twelve logins at once for the one place left, half through each instance.
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => attempt(i % 2 === 0 ? a.app : b.app, { userId })));
    const statuses = answers.map((r) => r.statusCode).sort();
    t.same(statuses, [201, ...Array<number>(11).fill(409)], `round ${round}: exactly one got the place`);
    t.equal((await activeIds(a.app, userId)).length, 5);
  }

  const evicting = { SESSION_MAX_PER_USER: '3' };
  const c = await buildTestApp(t, { db, env: evicting });
  const d = await buildTestApp(t, { db, env: evicting });
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => attempt(i % 2 === 0 ? c.app : d.app, { userId: 'crowd' })));
  t.ok(
    answers.every((r) => r.statusCode === 201),
    'evict_oldest admits every login',
  );
  t.equal((await activeIds(c.app, 'crowd')).length, 3, 'and the user holds exactly the limit after');
  const evicted = answers.flatMap((r) => r.json().evicted as string[]);
  t.equal(evicted.length, 17, 'each eviction reported once');
  t.equal(new Set(evicted).size, 17);
});
