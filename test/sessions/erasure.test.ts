import t from 'tap';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { createUserDataRepository } from '../../src/sessions/repositories/user-data.js';
import { buildTestApp, call, createTestDatabase, login, serviceToken, until } from '../helper.js';
import { insertBulkSessions } from '../support/bulk-sessions.js';
import { scanEveryTable } from '../support/scan.js';

t.test('erasure ends the user everywhere, then no table holds their id, addresses or user agents', async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const a = await buildTestApp(t, { db });
  const b = await buildTestApp(t, { db });
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  t.teardown(() => admin.end());
  const token = serviceToken(a.app);
  const tag = randomBytes(4).toString('hex');
  const user = `erase-me-${tag}`;
  const agents = [`EraseAgent/1.0 (${tag}-one)`, `EraseAgent/2.0 (${tag}-two)`, `EraseAgent/3.0 (${tag}-three)`];
  const addresses = ['81.2.69.160', '2a02:2e0:3fe:1001:7777:772e:2:85', '89.160.20.112'];

  // Every kind of row the service writes about a user: logins, an address and a device change,
  // a review, a name, metadata, an end, an eviction, and many sessions besides.
  const first = await login(a.app, { userId: user, ip: addresses[0], userAgent: agents[0], metadata: { note: user } });
  const second = await login(a.app, { userId: user, ip: addresses[1], userAgent: agents[1], deviceId: `device-${tag}` });
  t.equal(
    (
      await call(a.app, token, {
        method: 'POST',
        url: `/v1/sessions/${first.session.id}/heartbeat`,
        payload: { ip: addresses[2], userAgent: agents[2] },
      })
    ).statusCode,
    200,
  );
  await call(a.app, first.token, { method: 'POST', url: `/v1/me/sessions/${second.session.id}/confirm` });
  await call(a.app, first.token, { method: 'PATCH', url: `/v1/me/sessions/${second.session.id}`, payload: { name: `laptop of ${user}` } });
  const third = await login(a.app, { userId: user, ip: addresses[0], userAgent: agents[0] });
  await call(a.app, token, { method: 'DELETE', url: `/v1/sessions/${third.session.id}` });
  await insertBulkSessions(admin, {
    count: 1200,
    user,
    ip: addresses[0],
    userAgent: agents[0],
    createdAt: new Date(Date.now() - 86400_000),
  });
  const keep = await login(a.app, { userId: `keep-${tag}`, ip: '8.8.8.8', userAgent: 'KeepAgent/1.0' });
  // B holds a session of the user in its cache; A has activity for one still to write.
  t.equal((await call(b.app, second.token, { method: 'GET', url: '/v1/me/sessions' })).statusCode, 200);
  t.equal(
    (await call(a.app, token, { method: 'POST', url: `/v1/sessions/${first.session.id}/heartbeat`, payload: { pageViews: 3 } })).statusCode,
    200,
  );

  const needles = [user, ...agents, ...addresses];
  const before = await scanEveryTable(admin, needles);
  t.ok(
    ['sessions', 'session_events'].every((table) => before.tables.includes(table)),
    'the scan covers the tables of the schema',
  );
  for (const needle of needles)
    t.ok(
      before.findings.some((f) => f.value === needle),
      `before: the scan finds ${needle}`,
    );
  const counts = await admin.query<{ s: string; e: string }>(
    'select (select count(*) from sessions where user_id = $1) as s, (select count(*) from session_events where user_id = $1) as e',
    [user],
  );

  const operator = serviceToken(a.app, 'sessions:admin');
  const activeBefore = (await admin.query('select 1 from sessions where user_id = $1 and ended_at is null', [user])).rowCount;
  const refused = await call(a.app, token, { method: 'DELETE', url: `/v1/users/${user}` });
  t.same(
    [refused.statusCode, refused.headers['content-type'], refused.json().code],
    [403, 'application/problem+json; charset=utf-8', 'forbidden'],
    "a backend's sessions:write cannot erase a user",
  );
  t.equal(
    (await admin.query('select 1 from sessions where user_id = $1 and ended_at is null', [user])).rowCount,
    activeBefore,
    'and nothing was ended',
  );
  const erased = await call(a.app, operator, { method: 'DELETE', url: `/v1/users/${user}` });
  t.equal(erased.statusCode, 200);
  t.same(
    erased.json(),
    { erasedSessions: Number(counts.rows[0].s), erasedEvents: Number(counts.rows[0].e) + 1202 },
    'every session and event, the erased ends included',
  );

  t.equal((await call(a.app, second.token, { method: 'GET', url: '/v1/me/sessions' })).statusCode, 401, 'its tokens are refused here');
  t.ok(
    await until(async () => (await call(b.app, second.token, { method: 'GET', url: '/v1/me/sessions' })).statusCode === 401),
    'and on the other instance',
  );
  await a.sessions.flushActivity();
  const after = await scanEveryTable(admin, needles);
  t.same(after.findings, [], 'no table holds anything of the user');
  t.same(after.tables, before.tables);
  t.equal(
    (await call(a.app, token, { method: 'GET', url: `/v1/sessions/${keep.session.id}` })).json().status,
    'active',
    'other users keep theirs',
  );
  t.equal((await admin.query('select 1 from session_events where user_id = $1', [`keep-${tag}`])).rowCount, 1);

  const again = await call(a.app, operator, { method: 'DELETE', url: `/v1/users/${user}` });
  t.same([again.statusCode, again.json()], [200, { erasedSessions: 0, erasedEvents: 0 }], 'idempotent');
  t.equal(
    (await call(a.app, serviceToken(a.app, 'sessions:read'), { method: 'DELETE', url: `/v1/users/${user}` })).statusCode,
    403,
    'needs sessions:admin',
  );
});

t.test('erasure deletes rows that a concurrent statement updates while it waits for them', async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const { app, handle } = await buildTestApp(t, { db });
  const user = `erase-busy-${randomBytes(4).toString('hex')}`;
  await login(app, { userId: user });
  await login(app, { userId: user });
  const admin = new pg.Client({ connectionString: db.url });
  const writer = new pg.Client({ connectionString: db.url });
  await Promise.all([admin.connect(), writer.connect()]);
  t.teardown(() => Promise.all([admin.end(), writer.end()]));

  // An activity flush and the outbox's stamping rewrite rows of the user (new row versions) and
  // hold them until the erasure is waiting for their locks.
  await writer.query('begin');
  await writer.query('update outbox_events set created_at = created_at where user_id = $1', [user]);
  await writer.query('update sessions set page_views = page_views + 1 where user_id = $1', [user]);
  const erasing = createUserDataRepository(handle).erase(user);
  t.ok(
    await until(
      async () =>
        (
          await admin.query(
            `select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query ilike '%delete from%'`,
          )
        ).rowCount === 1,
    ),
    'the erasure waits for the rows',
  );
  await writer.query('commit');
  const counts = await erasing;
  t.same(counts, { outbox_events: 2, session_events: 2, sessions: 2 }, 'every row, the rewritten ones included');
  const left = await scanEveryTable(admin, [user]);
  t.same(left.findings, [], 'nothing of the user is left');
});
