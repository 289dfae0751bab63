import { createServer } from 'node:net';
import t from 'tap';
import pg from 'pg';
import { buildTestApp, call, createTestDatabase, fixedClock, login, serviceToken, until, type TestApp } from '../helper.js';

// A lost LISTEN connection: while it is down the cache answers for the sessions it holds for at
// most REVOCATION_FEED_GRACE from the last round trip heard; when it is back, the ends of the gap
// are read from the database before the cache is trusted again (and the cache is kept).

/** A port nothing listens on: a connection to it is refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Listener connections under a name of their own, which a test can refuse while `blocked`. */
async function switchableListener(url: string, name: string) {
  const port = await closedPort();
  const state = { blocked: false };
  return {
    state,
    connect: () =>
      state.blocked
        ? new pg.Client({ host: '127.0.0.1', port, user: 'postgres', connectionTimeoutMillis: 500 })
        : new pg.Client({ connectionString: url, application_name: name, keepAlive: true }),
  };
}

async function admin(t: { teardown(fn: () => unknown): void }, url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  t.teardown(() => client.end());
  return client;
}

const beat = async (app: TestApp, id: string) =>
  (await call(app.app, serviceToken(app.app), { method: 'POST', url: `/v1/sessions/${id}/heartbeat` })).statusCode;
const me = async (app: TestApp, token: string) => (await call(app.app, token, { method: 'GET', url: '/v1/me/sessions' })).statusCode;
const readiness = async (app: TestApp) => (await app.app.inject({ method: 'GET', url: '/readyz' })).json().checks;

t.test('a revoke made while the listener was lost is refused once it reconnects, without dropping the cache', async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const switchable = await switchableListener(db.url, 'listener-of-a');
  const a = await buildTestApp(t, { db, listenerConnect: switchable.connect });
  const b = await buildTestApp(t, { db });
  const pgAdmin = await admin(t, db.url);
  const target = await login(b.app, { userId: 'gap-user' });
  const bystander = await login(b.app, { userId: 'bystander' });
  t.equal(await beat(a, target.session.id), 200);
  t.equal(await beat(a, bystander.session.id), 200);
  t.ok(a.cache.slotOf(bystander.session.id) >= 0, 'A holds both');

  switchable.state.blocked = true;
  const killed = await pgAdmin.query("select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'listener-of-a'");
  t.equal(killed.rowCount, 1, "A's listening connection, found by its name");
  t.ok(await until(() => !a.listener.connected, 3000), 'A notices the loss');
  const revokedAt = Date.now();
  t.equal(
    (await call(b.app, serviceToken(b.app), { method: 'DELETE', url: `/v1/sessions/${target.session.id}` })).statusCode,
    200,
    'revoked on B during the gap',
  );
  await new Promise((resolve) => setTimeout(resolve, 300));

  switchable.state.blocked = false;
  t.ok(await until(() => a.listener.connected, 5000), 'A reconnects');
  const reconnectedAt = Date.now();
  t.ok(await until(() => a.sessions.feedStatus().mode === 'ok', 5000), 'and catches up');
  t.equal(await beat(a, target.session.id), 410, 'A refuses the revoked session');
  t.equal(await me(a, target.token), 401, 'and its token');
  const refusedAt = Date.now();
  t.comment(`refused ${refusedAt - reconnectedAt} ms after reconnecting, ${refusedAt - revokedAt} ms after the revoke`);
  t.ok(a.cache.slotOf(bystander.session.id) >= 0, 'the rest of the cache is kept (caught up, not dropped)');
  t.equal(await beat(a, bystander.session.id), 200);
  const metrics = (await a.app.inject({ method: 'GET', url: '/metrics' })).body;
  t.match(metrics, /session_registry_revocation_catch_ups_total\{outcome="caught_up"\} 1/);
  t.match(metrics, /session_registry_listener_gap_seconds_count 1/);
});

t.test('within the grace the cache answers while the listener is lost, past it the database does', async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const clock = fixedClock();
  const switchable = await switchableListener(db.url, 'listener-of-a');
  const a = await buildTestApp(t, { db, clock, listenerConnect: switchable.connect, env: { REVOCATION_FEED_GRACE: '30' } });
  const b = await buildTestApp(t, { db, clock });
  const pgAdmin = await admin(t, db.url);
  const kept = await login(a.app, { userId: 'kept' });
  const heardEnd = await login(a.app, { userId: 'heard' });
  const missedEnd = await login(a.app, { userId: 'missed' });
  for (const s of [kept, heardEnd, missedEnd]) t.equal(await beat(a, s.session.id), 200);
  t.same(await readiness(a), {
    ...(await readiness(a)),
    revocationFeed: 'ok',
    listener: 'connected',
    revocationFeedGraceLeftSeconds: null,
  });

  await call(b.app, serviceToken(b.app), { method: 'DELETE', url: `/v1/sessions/${heardEnd.session.id}` });
  t.ok(await until(async () => (await beat(a, heardEnd.session.id)) === 410), 'A heard the first revoke');

  switchable.state.blocked = true;
  await pgAdmin.query("select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'listener-of-a'");
  t.ok(await until(() => !a.listener.connected, 3000), 'A notices the loss');
  // Ended on B while A cannot hear: within the grace, A answers from what it holds.
  await call(b.app, serviceToken(b.app), { method: 'DELETE', url: `/v1/sessions/${missedEnd.session.id}` });
  const degraded = await readiness(a);
  t.same([degraded.revocationFeed, degraded.listener, degraded.revocationFeedGraceLeftSeconds], ['from_memory', 'reconnecting', 30]);
  t.equal(await beat(a, kept.session.id), 200, 'a held session keeps answering');
  t.equal(await beat(a, heardEnd.session.id), 410, 'an end heard before the loss is refused during the gap');
  t.equal(await me(a, heardEnd.token), 401);
  t.equal(await beat(a, missedEnd.session.id), 200, 'answered from memory: the end was not heard (the stated bound)');
  t.equal(await me(a, missedEnd.token), 200, 'its token too, from memory');

  clock.advance(29_999);
  t.equal(await beat(a, missedEnd.session.id), 200, 'still within the grace');
  t.equal((await readiness(a)).revocationFeedGraceLeftSeconds, 1);
  clock.advance(1);
  t.equal(await beat(a, missedEnd.session.id), 410, 'past the grace the database answers');
  t.equal(await me(a, missedEnd.token), 401);
  t.equal(await beat(a, kept.session.id), 200, 'and still accepts what is active');
  const lapsed = await readiness(a);
  t.same([lapsed.revocationFeed, lapsed.revocationFeedGraceLeftSeconds], ['reconnecting', null]);

  switchable.state.blocked = false;
  t.ok(await until(() => a.sessions.feedStatus().mode === 'ok', 5000), 'the feed comes back by itself');
  t.same([(await readiness(a)).revocationFeed, (await readiness(a)).listener], ['ok', 'connected']);
  t.equal(await beat(a, missedEnd.session.id), 410);
});

t.test('with no grace nothing is answered from memory while the listener is lost', async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const switchable = await switchableListener(db.url, 'listener-of-a');
  const a = await buildTestApp(t, { db, listenerConnect: switchable.connect, env: { REVOCATION_FEED_GRACE: '0' } });
  const b = await buildTestApp(t, { db });
  const pgAdmin = await admin(t, db.url);
  const session = await login(a.app, { userId: 'strict' });
  t.equal(await beat(a, session.session.id), 200);
  switchable.state.blocked = true;
  await pgAdmin.query("select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'listener-of-a'");
  t.ok(await until(() => !a.listener.connected, 3000));
  await call(b.app, serviceToken(b.app), { method: 'DELETE', url: `/v1/sessions/${session.session.id}` });
  t.equal(await beat(a, session.session.id), 410, 'the database answers at once');
  t.equal((await readiness(a)).revocationFeed, 'reconnecting');
  switchable.state.blocked = false;
});
