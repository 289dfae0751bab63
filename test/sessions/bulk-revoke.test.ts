import t from 'tap';
import pg from 'pg';
import { buildApp } from '../../src/app.js';
import { createDatabase } from '../../src/db/database.js';
import { createIncidentsRepository, type IncidentsRepository } from '../../src/sessions/repositories/incidents.js';
import { buildTestApp, call, createTestDatabase, createTestSessions, login, openTestGeo, serviceToken, testConfig } from '../helper.js';
import { insertBulkSessions } from '../support/bulk-sessions.js';

// A bulk revoke is two steps: a dry run that counts, then the revoke of no more than that count.
// Filters that match everyone by construction need allUsers: true.

const problemOf = (response: { statusCode: number; headers: Record<string, unknown>; json(): any }) => [
  response.statusCode,
  response.headers['content-type'],
  response.json().code,
];

t.test('without expectedCount nothing ends: the call is a dry run that answers the count', async (t) => {
  const { app } = await buildTestApp(t);
  const operator = serviceToken(app, 'sessions:read sessions:admin');
  const one = await login(app, { userId: 'u1', ip: '81.2.69.142' });
  const two = await login(app, { userId: 'u2', ip: '81.2.69.142' });
  const dry = await call(app, operator, { method: 'POST', url: '/v1/sessions/revoke', payload: { ip: '81.2.69.142', reason: 'admin' } });
  t.same([dry.statusCode, dry.json()], [200, { matched: 2, revoked: 0, dryRun: true }]);
  for (const s of [one, two])
    t.equal((await call(app, operator, { method: 'GET', url: `/v1/sessions/${s.session.id}` })).json().status, 'active', 'still active');
  const real = await call(app, operator, {
    method: 'POST',
    url: '/v1/sessions/revoke',
    payload: { ip: '81.2.69.142', reason: 'admin', expectedCount: 2 },
  });
  t.same(real.json(), { matched: 2, revoked: 2, dryRun: false });
  for (const s of [one, two])
    t.equal((await call(app, operator, { method: 'GET', url: `/v1/sessions/${s.session.id}` })).json().endReason, 'admin');
});

t.test('filters that match everyone are refused without allUsers: true', async (t) => {
  const { app } = await buildTestApp(t);
  const operator = serviceToken(app, 'sessions:read sessions:admin');
  const sessions = [
    await login(app, { userId: 'a', ip: '81.2.69.142' }),
    await login(app, { userId: 'b', ip: '2001:4860:4860::8888' }),
    await login(app, { userId: 'c', ip: '89.160.20.112' }),
  ];
  const everyone = [
    { createdAfter: '1970-01-01T00:00:00Z' },
    { createdBefore: '2999-01-01T00:00:00Z' },
    { createdAfter: '1970-01-01T00:00:00Z', createdBefore: '2999-01-01T00:00:00Z' },
    { network: '0.0.0.0/0' },
    { network: '81.2.69.142/0' },
    { network: '::/0' },
    { network: '2001:db8::/0' },
    { network: '::ffff:0.0.0.0/96' },
    { network: '0.0.0.0/0', createdAfter: '1970-01-01T00:00:00Z' },
    {},
  ];
  for (const filter of everyone) {
    for (const extra of [{}, { expectedCount: 1000 }, { allUsers: false, expectedCount: 1000 }]) {
      const response = await call(app, operator, {
        method: 'POST',
        url: '/v1/sessions/revoke',
        payload: { ...filter, ...extra, reason: 'admin' },
      });
      t.same(
        problemOf(response),
        [400, 'application/problem+json; charset=utf-8', 'validation_failed'],
        JSON.stringify({ ...filter, ...extra }),
      );
      t.match(response.json().errors, [{ path: /^body/ }]);
    }
  }
  const left = await call(app, operator, {
    method: 'POST',
    url: '/v1/sessions/revoke',
    payload: { network: '0.0.0.0/0', allUsers: true, reason: 'admin' },
  });
  t.same(left.json(), { matched: 2, revoked: 0, dryRun: true }, 'stated: a /0 network counts its whole family');
  const all = await call(app, operator, { method: 'POST', url: '/v1/sessions/revoke', payload: { allUsers: true, reason: 'admin' } });
  t.same(all.json(), { matched: 3, revoked: 0, dryRun: true }, 'stated: no filter at all counts everyone');
  for (const s of sessions)
    t.equal(
      (await call(app, operator, { method: 'GET', url: `/v1/sessions/${s.session.id}` })).json().status,
      'active',
      'nothing ended yet',
    );
  const ended = await call(app, operator, {
    method: 'POST',
    url: '/v1/sessions/revoke',
    payload: { createdAfter: '1970-01-01T00:00:00Z', allUsers: true, expectedCount: 3, reason: 'admin' },
  });
  t.same(ended.json(), { matched: 3, revoked: 3, dryRun: false }, 'stated and counted: every session ends');
  const narrow = await call(app, operator, {
    method: 'POST',
    url: '/v1/sessions/revoke',
    payload: { network: '81.2.69.0/24', reason: 'admin' },
  });
  t.same(narrow.statusCode, 200, 'a narrower network needs no allUsers');
});

t.test('more matches than expected: 409 with the current count, and nothing ends', async (t) => {
  const { app } = await buildTestApp(t);
  const operator = serviceToken(app, 'sessions:read sessions:admin');
  await login(app, { userId: 'x1', ip: '81.2.69.142' });
  await login(app, { userId: 'x2', ip: '81.2.69.142' });
  const dry = (
    await call(app, operator, { method: 'POST', url: '/v1/sessions/revoke', payload: { ip: '81.2.69.142', reason: 'suspicious' } })
  ).json();
  t.equal(dry.matched, 2);
  const late = await login(app, { userId: 'x3', ip: '81.2.69.142' });
  const refused = await call(app, operator, {
    method: 'POST',
    url: '/v1/sessions/revoke',
    payload: { ip: '81.2.69.142', reason: 'suspicious', expectedCount: dry.matched },
  });
  t.same(problemOf(refused), [409, 'application/problem+json; charset=utf-8', 'more_sessions_match']);
  t.equal(refused.json().matched, 3, 'the current count');
  t.equal((await call(app, operator, { method: 'GET', url: `/v1/sessions/${late.session.id}` })).json().status, 'active');
  const again = (
    await call(app, operator, { method: 'POST', url: '/v1/sessions/revoke', payload: { ip: '81.2.69.142', reason: 'suspicious' } })
  ).json();
  t.same(again, { matched: 3, revoked: 0, dryRun: true }, 'nothing ended');
  const zero = await call(app, operator, {
    method: 'POST',
    url: '/v1/sessions/revoke',
    payload: { ip: '81.2.69.142', reason: 'suspicious', expectedCount: 0 },
  });
  t.same([zero.statusCode, zero.json().matched], [409, 3], 'expectedCount 0 ends nothing');
  const fewer = await call(app, operator, {
    method: 'POST',
    url: '/v1/sessions/revoke',
    payload: { ip: '81.2.69.142', reason: 'suspicious', expectedCount: 10 },
  });
  t.same(fewer.json(), { matched: 3, revoked: 3, dryRun: false }, 'fewer than expected is fine');
});

t.test('sessions that come to match between the count and the ends never push the total past expectedCount', async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  t.teardown(() => admin.end());
  const config = testConfig(db.url);
  const handle = createDatabase({ connectionString: db.url, poolSize: 5 });
  t.teardown(() => handle.close());
  const geo = await openTestGeo(t, config);
  const real = createIncidentsRepository(handle);
  const ip = '198.51.100.23';
  const created = new Date(Date.now() - 3600_000);
  await insertBulkSessions(admin, { count: 1500, user: 'first-{n}', ip, createdAt: created });
  // Right after the revoke has counted, 700 more sessions from the address appear (older logins, so
  // they sort among the first the ends reach).
  let raced = false;
  const racing: IncidentsRepository = {
    ...real,
    countUpTo: async (...args) => {
      const counted = await real.countUpTo(...args);
      if (!raced) {
        raced = true;
        await insertBulkSessions(admin, { count: 700, user: 'late-{n}', ip, createdAt: new Date(created.getTime() - 60_000) });
      }
      return counted;
    },
  };
  const parts = createTestSessions(config, handle, { geo: geo.geo, repositories: { incidents: racing } });
  const app = await buildApp({ config, database: handle, geo, sessions: parts.sessions, logger: false });
  t.teardown(() => app.close());
  const operator = serviceToken(app, 'sessions:admin');

  const response = await call(app, operator, {
    method: 'POST',
    url: '/v1/sessions/revoke',
    payload: { ip, reason: 'suspicious', expectedCount: 1500 },
  });
  t.ok(raced, 'the race happened');
  t.same(response.json(), { matched: 1500, revoked: 1500, dryRun: false });
  const counts = await admin.query<{ ended: string; active: string }>(
    'select count(*) filter (where ended_at is not null) as ended, count(*) filter (where ended_at is null) as active from sessions where ip = $1',
    [ip],
  );
  t.same(counts.rows[0], { ended: '1500', active: '700' }, 'exactly expectedCount ended, across batches');
});
