import t from 'tap';
import { createActivityFlushesRepository } from '../../src/sessions/repositories/activity-flushes.js';
import pg from 'pg';
import { buildTestApp, call, createTestDatabase, login, serviceToken, until } from '../helper.js';

t.test('a revoke on one instance is refused on the other', async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const a = await buildTestApp(t, { db });
  const b = await buildTestApp(t, { db });
  const { session, token: sessionToken } = await login(a.app);
  const tokenB = serviceToken(b.app);
  // B learns the session (and caches it) through heartbeats.
  t.equal((await call(b.app, tokenB, { method: 'POST', url: `/v1/sessions/${session.id}/heartbeat` })).statusCode, 200);
  t.equal((await call(b.app, sessionToken, { method: 'GET', url: '/v1/me/sessions' })).statusCode, 200);
  const revoke = await call(a.app, serviceToken(a.app), { method: 'DELETE', url: `/v1/sessions/${session.id}` });
  t.equal(revoke.statusCode, 200);
  t.equal(
    (await call(a.app, serviceToken(a.app), { method: 'POST', url: `/v1/sessions/${session.id}/heartbeat` })).statusCode,
    410,
    'at once on A',
  );
  t.ok(
    await until(
      async () => (await call(b.app, tokenB, { method: 'POST', url: `/v1/sessions/${session.id}/heartbeat` })).statusCode === 410,
    ),
    'soon on B',
  );
  t.equal((await call(b.app, sessionToken, { method: 'GET', url: '/v1/me/sessions' })).statusCode, 401);
});

t.test('with no grace, losing the revocation feed falls back to the database, then recovers', async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const env = { REVOCATION_FEED_GRACE: '0' };
  const a = await buildTestApp(t, { db, env });
  const b = await buildTestApp(t, { db, env });
  const { session } = await login(a.app);
  const tokenB = serviceToken(b.app);
  t.equal((await call(b.app, tokenB, { method: 'POST', url: `/v1/sessions/${session.id}/heartbeat` })).statusCode, 200);
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  t.teardown(() => admin.end());
  // Both instances' listening connections go: B's cache must stop answering on its own.
  const killed = await admin.query(
    "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and application_name = 'session-registry-listener'",
  );
  t.equal(killed.rowCount, 2, 'each instance listens on its own connection');
  t.ok(await until(() => !(b.sessions.feedStatus().mode === 'ok'), 3000), 'B notices the loss');
  // Revoke on A while B is deaf: B must not answer from its cache.
  await call(a.app, serviceToken(a.app), { method: 'DELETE', url: `/v1/sessions/${session.id}` });
  const during = await call(b.app, tokenB, { method: 'POST', url: `/v1/sessions/${session.id}/heartbeat` });
  t.equal(during.statusCode, 410, 'refused from the database while the feed is down');
  t.ok(await until(() => b.sessions.feedStatus().mode === 'ok', 10000), 'the feed comes back');
  const other = await login(a.app);
  t.equal((await call(b.app, tokenB, { method: 'POST', url: `/v1/sessions/${other.session.id}/heartbeat` })).statusCode, 200);
  await call(a.app, serviceToken(a.app), { method: 'DELETE', url: `/v1/sessions/${other.session.id}` });
  t.ok(
    await until(
      async () => (await call(b.app, tokenB, { method: 'POST', url: `/v1/sessions/${other.session.id}/heartbeat` })).statusCode === 410,
    ),
    'notices flow again',
  );
});

t.test('heartbeats racing a revoke never report active after it returned', async (t) => {
  const { app } = await buildTestApp(t);
  const token = serviceToken(app);
  for (let round = 0; round < 20; round++) {
    const { session } = await login(app, { userId: `race-${round}` });
    let revokedAt = 0;
    const beats: Array<Promise<{ status: number; started: number }>> = [];
    for (let i = 0; i < 30; i++) {
      const started = performance.now();
      beats.push(
        call(app, token, { method: 'POST', url: `/v1/sessions/${session.id}/heartbeat`, payload: { pageViews: 1 } }).then((r) => ({
          status: r.statusCode,
          started,
        })),
      );
      if (i === 10) {
        await call(app, token, { method: 'DELETE', url: `/v1/sessions/${session.id}` });
        revokedAt = performance.now();
      }
    }
    const results = await Promise.all(beats);
    const late = results.filter((r) => r.started > revokedAt && r.status === 200);
    t.equal(late.length, 0, `round ${round}: no success after the revoke returned`);
    t.ok(results.every((r) => r.status === 200 || r.status === 410));
  }
});

t.test('a flush racing a revoke never revives the session; counts stay exact', async (t) => {
  const { app, rows, sessions } = await buildTestApp(t);
  const token = serviceToken(app);
  const { session } = await login(app);
  for (let i = 0; i < 7; i++)
    await call(app, token, { method: 'POST', url: `/v1/sessions/${session.id}/heartbeat`, payload: { pageViews: 1 } });
  const [, revoke] = await Promise.all([
    sessions.flushActivity(),
    call(app, token, { method: 'DELETE', url: `/v1/sessions/${session.id}` }),
  ]);
  await sessions.flushActivity();
  const row = await rows.findById(session.id);
  t.equal(row?.end_reason, 'revoked');
  t.equal(row?.ended_at?.toISOString(), revoke.json().endedAt);
  t.equal(Number(row?.page_views), 7);
  t.equal(Number(row?.heartbeats), 7);
  t.ok(row && row.last_active_at <= (row.ended_at as Date));
});

t.test('pending activity is written on graceful close', async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const first = await buildTestApp(t, { db });
  const { session } = await login(first.app);
  const token = serviceToken(first.app);
  for (let i = 0; i < 25; i++)
    await call(first.app, token, { method: 'POST', url: `/v1/sessions/${session.id}/heartbeat`, payload: { pageViews: 2 } });
  await first.app.close();
  const second = await buildTestApp(t, { db });
  const view = (await call(second.app, serviceToken(second.app), { method: 'GET', url: `/v1/sessions/${session.id}` })).json();
  t.same(view.activity, { pageViews: 50, heartbeats: 25 });
});

t.test('a retried flush is applied once', async (t) => {
  const { app, rows, handle } = await buildTestApp(t);
  const { session } = await login(app);
  const flushes = createActivityFlushesRepository(handle);
  const delta = [{ id: session.id, userId: 'alice', lastActiveAt: Date.now(), pageViews: 3, heartbeats: 1 }];
  t.equal(await flushes.apply('0190a000-0000-7000-8000-0000000000aa', delta), true);
  t.equal(await flushes.apply('0190a000-0000-7000-8000-0000000000aa', delta), false, 'same flush id: skipped');
  const row = await rows.findById(session.id);
  t.equal(Number(row?.page_views), 3);
});
