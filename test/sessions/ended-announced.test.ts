import t from 'tap';
import pg from 'pg';
import { buildTestApp, call, createTestDatabase, fixedClock, login, serviceToken, until, type TestApp } from '../helper.js';

// Every end is announced by the database itself (the trigger on the ended_at transition): another
// instance holding the session in memory refuses its token, whichever route, job or plain SQL
// statement ended it.

/** B holds the session in memory, and accepts its token. */
async function heldBy(b: TestApp, session: { session: { id: string }; token: string }): Promise<boolean> {
  const me = await call(b.app, session.token, { method: 'GET', url: '/v1/me/sessions' });
  const beat = await call(b.app, serviceToken(b.app), { method: 'POST', url: `/v1/sessions/${session.session.id}/heartbeat` });
  return me.statusCode === 200 && beat.statusCode === 200 && b.cache.slotOf(session.session.id) >= 0;
}

/** B refuses the token and the heartbeat (410 ended, or 404 once erased). */
async function refusedBy(b: TestApp, session: { session: { id: string }; token: string }): Promise<boolean> {
  const me = await call(b.app, session.token, { method: 'GET', url: '/v1/me/sessions' });
  const beat = await call(b.app, serviceToken(b.app), { method: 'POST', url: `/v1/sessions/${session.session.id}/heartbeat` });
  return me.statusCode === 401 && (beat.statusCode === 410 || beat.statusCode === 404);
}

t.test('an end by every route, by the sweeper and by plain SQL is refused on the other instance', async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  // A's clock moves (for the sweeper); B's stands still, so B never finds an expiry on its own.
  const clockA = fixedClock();
  const clockB = fixedClock();
  const env = { SESSION_MAX_PER_USER: '2', SESSION_IDLE_TIMEOUT: '1h' };
  const a = await buildTestApp(t, { db, env, clock: clockA });
  const b = await buildTestApp(t, { db, env, clock: clockB });
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  t.teardown(() => admin.end());
  const service = serviceToken(a.app);
  const operator = serviceToken(a.app, 'sessions:admin');

  const s = {
    serviceRevoke: await login(a.app, { userId: 'u-service' }),
    meDelete: await login(a.app, { userId: 'u-me-delete' }),
    meDeleteOwner: await login(a.app, { userId: 'u-me-delete' }),
    logout: await login(a.app, { userId: 'u-logout' }),
    othersKeeper: await login(a.app, { userId: 'u-others' }),
    others: await login(a.app, { userId: 'u-others' }),
    userRevoke: await login(a.app, { userId: 'u-all' }),
    bulk: await login(a.app, { userId: 'u-bulk', ip: '203.0.113.77' }),
    reportOwner: await login(a.app, { userId: 'u-report' }),
    report: await login(a.app, { userId: 'u-report' }),
    erasure: await login(a.app, { userId: 'u-erase' }),
    evicted: await login(a.app, { userId: 'u-evict' }),
    evictedToo: await login(a.app, { userId: 'u-evict' }),
    plainUpdate: await login(a.app, { userId: 'u-sql' }),
    plainDelete: await login(a.app, { userId: 'u-sql-delete' }),
    swept: await login(a.app, { userId: 'u-swept' }),
  };
  for (const [name, session] of Object.entries(s)) t.ok(await heldBy(b, session), `B holds ${name}`);

  const ends: Array<[keyof typeof s, () => Promise<unknown>]> = [
    ['serviceRevoke', () => call(a.app, service, { method: 'DELETE', url: `/v1/sessions/${s.serviceRevoke.session.id}` })],
    ['meDelete', () => call(a.app, s.meDeleteOwner.token, { method: 'DELETE', url: `/v1/me/sessions/${s.meDelete.session.id}` })],
    ['logout', () => call(a.app, s.logout.token, { method: 'POST', url: '/v1/me/logout' })],
    ['others', () => call(a.app, s.othersKeeper.token, { method: 'POST', url: '/v1/me/sessions/revoke-others' })],
    ['userRevoke', () => call(a.app, service, { method: 'POST', url: '/v1/users/u-all/sessions/revoke' })],
    [
      'bulk',
      () =>
        call(a.app, operator, {
          method: 'POST',
          url: '/v1/sessions/revoke',
          payload: { ip: '203.0.113.77', reason: 'suspicious', expectedCount: 1 },
        }),
    ],
    ['report', () => call(a.app, s.reportOwner.token, { method: 'POST', url: `/v1/me/sessions/${s.report.session.id}/report` })],
    ['erasure', () => call(a.app, operator, { method: 'DELETE', url: '/v1/users/u-erase' })],
    // A third login under a limit of two evicts the least recently active.
    ['evicted', () => login(a.app, { userId: 'u-evict' })],
    [
      'plainUpdate',
      () => admin.query("update sessions set ended_at = now(), end_reason = 'revoked' where id = $1", [s.plainUpdate.session.id]),
    ],
    ['plainDelete', () => admin.query('delete from sessions where id = $1', [s.plainDelete.session.id])],
  ];
  for (const [name, end] of ends) {
    const response = (await end()) as { statusCode?: number };
    if (response.statusCode !== undefined) t.ok(response.statusCode < 300, `${name}: ${response.statusCode}`);
    // An eviction ends whichever of the user's two sessions was least recently active.
    const check =
      name === 'evicted' ? async () => (await refusedBy(b, s.evicted)) || refusedBy(b, s.evictedToo) : () => refusedBy(b, s[name]);
    t.ok(await until(check, 3000), `${name}: refused on B`);
  }
  t.ok(await heldBy(b, s.othersKeeper), 'the session that revoked the others is still accepted');

  clockA.advance(2 * 3600_000);
  t.ok((await a.sessions.sweep()).expired >= 1, 'the sweeper expired sessions');
  t.ok(await until(() => refusedBy(b, s.swept), 3000), 'swept: refused on B');
});

t.test('a bulk end sends batched notices, and a rolled-back end none', async (t) => {
  const { app, db } = await buildTestApp(t);
  const listener = new pg.Client({ connectionString: db.url });
  await listener.connect();
  t.teardown(() => listener.end());
  const payloads: string[] = [];
  listener.on('notification', (m) => m.channel === 'session_registry_ended' && payloads.push(m.payload as string));
  await listener.query('listen session_registry_ended');
  for (let i = 0; i < 90; i++) await login(app, { userId: `bulk-${i}`, ip: '203.0.113.9' });
  await listener.query("begin; update sessions set ended_at = now(), end_reason = 'revoked'; rollback");
  await call(app, serviceToken(app, 'sessions:admin'), {
    method: 'POST',
    url: '/v1/sessions/revoke',
    payload: { ip: '203.0.113.9', reason: 'suspicious', expectedCount: 90 },
  });
  t.ok(await until(() => payloads.flatMap((p) => JSON.parse(p)).length >= 90));
  t.equal(payloads.flatMap((p) => JSON.parse(p)).length, 90, 'each end once, none for the rolled-back statement');
  t.ok(
    payloads.length >= 3 && payloads.every((p) => JSON.parse(p).length <= 40 && Buffer.byteLength(p) < 8000),
    'in notices of up to 40 ends, under the NOTIFY cap',
  );
});
