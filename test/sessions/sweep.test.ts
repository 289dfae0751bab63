import t from 'tap';
import pg from 'pg';
import { buildTestApp, call, createTestDatabase, fixedClock, login, serviceToken, until } from '../helper.js';
import { ENDED_CHANNEL } from '../../src/sessions/repositories/revocation-feed.js';
import { SWEEP_LOCK_KEY, sweepStatement } from '../../src/sessions/repositories/session-ends.js';

/** A plain client on the test database, closed when the test ends. */
async function connect(t: { teardown(fn: () => unknown): void }, url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  t.teardown(() => client.end());
  return client;
}

/** `count` active sessions written directly (many rows, quickly), all last active at `lastActiveAt`. */
async function insertSessions(
  client: pg.Client,
  options: { count: number; user: string; createdAt: Date; lastActiveAt: Date; idleSeconds: number; maxAgeSeconds: number },
): Promise<string[]> {
  const { rows } = await client.query<{ id: string }>(
    `insert into sessions (id, user_id, token_hash, created_at, last_active_at, idle_timeout_seconds, max_age_seconds,
                           absolute_expires_at, expiry_check_at, agent, device_key, risk)
     select gen_random_uuid(), $1::text || (g % 50), '\\x00', $2::timestamptz, $3::timestamptz, $4::int, $5::int, a,
            least(a, $3::timestamptz + make_interval(secs => $4::int)), '{}', 'device', '{"flags":[],"reasons":[]}'
     from generate_series(1, $6::int) g, lateral (select $2::timestamptz + make_interval(secs => $5::int) as a) x
     returning id`,
    [options.user, options.createdAt, options.lastActiveAt, options.idleSeconds, options.maxAgeSeconds, options.count],
  );
  return rows.map((r) => r.id);
}

t.test('the sweep ends idle and max-age sessions with their reasons, events and notices', async (t) => {
  const clock = fixedClock();
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const a = await buildTestApp(t, { clock, db });
  const b = await buildTestApp(t, { clock, db });
  const idle = await login(a.app, { userId: 'sid', idleTimeoutSeconds: 60, maxAgeSeconds: 7200 });
  const old = await login(a.app, { userId: 'sid', idleTimeoutSeconds: 3600, maxAgeSeconds: 90 });
  const fresh = await login(a.app, { userId: 'sid', idleTimeoutSeconds: 3600, maxAgeSeconds: 7200 });
  // B holds the sessions in its cache: only the notice can tell it they ended.
  for (const s of [idle, old, fresh]) {
    t.equal((await call(b.app, serviceToken(b.app), { method: 'POST', url: `/v1/sessions/${s.session.id}/heartbeat` })).statusCode, 200);
  }
  await b.sessions.flushActivity();
  const listener = await connect(t, db.url);
  const payloads: string[] = [];
  listener.on('notification', (m) => m.channel === ENDED_CHANNEL && payloads.push(m.payload as string));
  await listener.query(`listen ${ENDED_CHANNEL}`);

  clock.advance(100 * 1000);
  t.same(await a.sessions.sweep(), { expired: 2, purged: 0, addressesReduced: 0 });
  const createdAt = Date.parse(idle.session.createdAt);
  const expected = [
    { id: idle.session.id, userId: 'sid', endedAt: new Date(createdAt + 60000).toISOString(), reason: 'idle_timeout' },
    { id: old.session.id, userId: 'sid', endedAt: new Date(createdAt + 90000).toISOString(), reason: 'max_age' },
  ].sort((x, y) => (x.id < y.id ? -1 : 1));
  for (const e of expected) {
    const row = await a.rows.findById(e.id);
    t.same([row?.ended_at?.toISOString(), row?.end_reason, row?.ended_by], [e.endedAt, e.reason, 'expiry'], `${e.reason} written`);
    const events = (await a.eventLog.list(e.id, 10, null)).filter((ev) => ev.type === 'expired');
    t.same(
      events.map((ev) => [ev.at.toISOString(), ev.actor, ev.data]),
      [[e.endedAt, 'expiry', { reason: e.reason }]],
      'one expired event',
    );
  }
  t.equal((await a.rows.findById(fresh.session.id))?.ended_at, null, 'the fresh one stays');
  t.ok(await until(() => payloads.length > 0), 'a notice is sent');
  t.same(payloads, [JSON.stringify(expected)], 'one notice, in the format JSON.stringify writes');
  t.ok(await until(() => b.cache.endedInfo(idle.session.id)?.endedAt === createdAt + 60000), 'the other instance learns the end');
  const refused = await call(b.app, serviceToken(b.app), { method: 'POST', url: `/v1/sessions/${old.session.id}/heartbeat` });
  t.equal(refused.json().endReason, 'max_age');
});

t.test('a session active since it became due is not ended: its check time moves to its real expiry', async (t) => {
  const clock = fixedClock();
  const { app, handle, rows, sessions } = await buildTestApp(t, { clock });
  const { session } = await login(app, { idleTimeoutSeconds: 60, maxAgeSeconds: 7200 });
  const checkAt = async () =>
    (
      await handle.db.selectFrom('sessions').select('expiry_check_at').where('id', '=', session.id).executeTakeFirstOrThrow()
    ).expiry_check_at.getTime();
  const createdAt = Date.parse(session.createdAt);
  t.equal(await checkAt(), createdAt + 60000, 'set at login to the earliest possible expiry');
  clock.advance(50 * 1000);
  t.equal((await call(app, serviceToken(app), { method: 'POST', url: `/v1/sessions/${session.id}/heartbeat` })).statusCode, 200);
  await sessions.flushActivity();
  t.equal(await checkAt(), createdAt + 60000, 'an activity flush does not write it');
  clock.advance(20 * 1000);
  t.equal((await sessions.sweep()).expired, 0);
  t.equal((await rows.findById(session.id))?.ended_at, null, 'still active');
  t.equal(await checkAt(), createdAt + 110000, 'moved to last activity + idle timeout');
  clock.advance(40 * 1000);
  t.equal((await sessions.sweep()).expired, 1);
  const row = await rows.findById(session.id);
  t.same([row?.ended_at?.getTime(), row?.end_reason], [createdAt + 110000, 'idle_timeout']);
});

t.test('sessions with unflushed activity are neither ended nor moved, and the sweep still finishes', async (t) => {
  const clock = fixedClock();
  const { app, db, rows, sessions } = await buildTestApp(t, { clock, env: { ACTIVITY_FLUSH_INTERVAL_MS: '60000' } });
  const client = await connect(t, db.url);
  const start = clock.now();
  // More than one batch (1000) of due sessions, all with activity waiting in this instance.
  const busy = await insertSessions(client, {
    count: 1500,
    user: 'busy',
    createdAt: start,
    lastActiveAt: start,
    idleSeconds: 60,
    maxAgeSeconds: 7200,
  });
  const [idle] = await insertSessions(client, {
    count: 1,
    user: 'idle',
    createdAt: start,
    lastActiveAt: start,
    idleSeconds: 60,
    maxAgeSeconds: 7200,
  });
  // Heartbeats a little before they would expire, held in memory (the flush interval is long).
  clock.advance(59 * 1000);
  const token = serviceToken(app);
  for (let i = 0; i < busy.length; i += 100) {
    const answers = await Promise.all(
      busy.slice(i, i + 100).map((id) => call(app, token, { method: 'POST', url: `/v1/sessions/${id}/heartbeat` })),
    );
    t.ok(
      answers.every((a) => a.statusCode === 200),
      `heartbeats ${i}…`,
    );
  }
  clock.advance(2 * 1000);
  const result = await Promise.race([
    sessions.sweep(),
    new Promise<'stuck'>((resolve) => setTimeout(() => resolve('stuck'), 15000).unref()),
  ]);
  t.same(result, { expired: 1, purged: 0, addressesReduced: 0 }, 'finishes, ending only the idle one');
  const state = await client.query<{ ended: string; moved: string }>(
    'select count(*) filter (where ended_at is not null) as ended, count(*) filter (where expiry_check_at <> $2) as moved from sessions where id = any($1)',
    [busy, new Date(start.getTime() + 60000)],
  );
  t.same(state.rows[0], { ended: '0', moved: '0' }, 'the busy ones are left for a later round');
  t.ok((await rows.findById(idle))?.ended_at, 'the idle one ended');
  await sessions.flushActivity();
  t.same(await sessions.sweep(), { expired: 0, purged: 0, addressesReduced: 0 }, 'once written, their activity keeps them');
  const moved = await client.query<{ n: string }>('select count(*) as n from sessions where id = any($1) and expiry_check_at > $2', [
    busy,
    clock.now(),
  ]);
  t.equal(moved.rows[0].n, '1500', 'and their check time moves on');
});

t.test('two instances sweeping at once end each session once', async (t) => {
  const clock = fixedClock();
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const a = await buildTestApp(t, { clock, db });
  const b = await buildTestApp(t, { clock, db });
  const client = await connect(t, db.url);
  const start = clock.now();
  const ids = [
    ...(await insertSessions(client, {
      count: 1500,
      user: 'u',
      createdAt: start,
      lastActiveAt: start,
      idleSeconds: 60,
      maxAgeSeconds: 7200,
    })),
    ...(await insertSessions(client, {
      count: 1500,
      user: 'v',
      createdAt: start,
      lastActiveAt: start,
      idleSeconds: 3600,
      maxAgeSeconds: 60,
    })),
  ];
  clock.advance(61 * 1000);
  let expired = 0;
  for (let round = 0; round < 10; round++) {
    const results = await Promise.all([a.sessions.sweep(), b.sessions.sweep()]);
    expired += results[0].expired + results[1].expired;
    const left = await client.query('select 1 from sessions where ended_at is null limit 1');
    if (left.rowCount === 0) break;
  }
  t.equal(expired, ids.length, 'every session counted once');
  const events = await client.query<{ sessions: string; events: string }>(
    "select count(distinct session_id) as sessions, count(*) as events from session_events where type = 'expired'",
  );
  t.same(events.rows[0], { sessions: String(ids.length), events: String(ids.length) }, 'one expired event each');
  const active = await client.query('select id from sessions where ended_at is null');
  t.equal(active.rowCount, 0);
});

t.test('while another instance holds the sweep lock, a sweep skips the round without waiting', async (t) => {
  const clock = fixedClock();
  const { app, db, rows, sessions } = await buildTestApp(t, { clock });
  const { session } = await login(app, { idleTimeoutSeconds: 60 });
  const other = await connect(t, db.url);
  await other.query('select pg_advisory_lock($1)', [SWEEP_LOCK_KEY]);
  clock.advance(61 * 1000);
  const started = performance.now();
  t.equal((await sessions.sweep()).expired, 0);
  t.ok(performance.now() - started < 1000, 'did not wait for the lock');
  t.equal((await rows.findById(session.id))?.ended_at, null, 'left for the lock holder');
  await other.query('select pg_advisory_unlock($1)', [SWEEP_LOCK_KEY]);
  t.equal((await sessions.sweep()).expired, 1, 'swept once the lock is free');
});

t.test('the sweep finds due sessions through sessions_expiry_check, not by scanning the table', async (t) => {
  const clock = fixedClock();
  const { handle, db } = await buildTestApp(t, { clock });
  const client = await connect(t, db.url);
  const now = clock.now();
  // 20,000 active sessions not due for days, 20 due: what a sweep usually meets.
  const past = new Date(now.getTime() - 86400 * 1000);
  await insertSessions(client, {
    count: 20000,
    user: 'calm',
    createdAt: past,
    lastActiveAt: now,
    idleSeconds: 14 * 86400,
    maxAgeSeconds: 90 * 86400,
  });
  await insertSessions(client, { count: 20, user: 'due', createdAt: past, lastActiveAt: past, idleSeconds: 60, maxAgeSeconds: 90 * 86400 });
  await client.query('analyze sessions');
  const query = sweepStatement(now, [], 1000).compile(handle.db);
  const plan = (await client.query<{ 'QUERY PLAN': string }>(`explain ${query.sql}`, [...query.parameters])).rows
    .map((r) => r['QUERY PLAN'])
    .join('\n');
  t.match(plan, /Index (Only )?Scan using sessions_expiry_check on sessions/, 'the due rows come from the index');
  t.notMatch(plan, /Seq Scan on sessions\b/, 'no sequential scan');
});
