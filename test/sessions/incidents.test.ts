import t from 'tap';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { buildTestApp, call, createTestDatabase, fixedClock, login, serviceToken, until } from '../helper.js';
import { insertBulkSessions } from '../support/bulk-sessions.js';

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

async function search(app: FastifyInstance, query: string) {
  const response = await call(app, serviceToken(app, 'sessions:admin'), { method: 'GET', url: `/v1/sessions?${query}` });
  return { status: response.statusCode, body: response.json() };
}
const ids = (body: { items: Array<{ id: string }> }) => body.items.map((s) => s.id);

t.test('incident search across users: by address, network, country, flag, status and login time', async (t) => {
  const clock = fixedClock();
  const { app } = await buildTestApp(t, { clock });
  const a1 = await login(app, { userId: 'amy', ip: '81.2.69.142' });
  clock.advance(1000);
  const b1 = await login(app, { userId: 'ben', ip: '81.2.69.142' });
  clock.advance(1000);
  const b2 = await login(app, { userId: 'ben', ip: '81.2.69.160' });
  clock.advance(1000);
  const c1 = await login(app, { userId: 'cal', ip: '2001:4860:4860::8888' });
  clock.advance(1000);
  const c2 = await login(app, { userId: 'cal', ip: '89.160.20.112', userAgent: IPHONE });
  await call(app, serviceToken(app), { method: 'DELETE', url: `/v1/sessions/${b1.session.id}` });

  t.same(ids((await search(app, 'ip=81.2.69.142')).body), [b1.session.id, a1.session.id], 'every user, newest login first');
  t.same(ids((await search(app, 'ip=::ffff:81.2.69.142')).body), [b1.session.id, a1.session.id], 'the address in any form');
  t.same(ids((await search(app, 'ip=81.2.69.142&status=active')).body), [a1.session.id]);
  t.same(ids((await search(app, 'ip=81.2.69.142&status=ended')).body), [b1.session.id]);
  t.same(ids((await search(app, 'network=81.2.69.0/24')).body), [b2.session.id, b1.session.id, a1.session.id]);
  t.same(ids((await search(app, 'network=81.2.69.170/27')).body), [b2.session.id], 'host bits of a network are ignored');
  t.same(ids((await search(app, 'network=2001:4860::/32')).body), [c1.session.id]);
  t.same(ids((await search(app, 'countryCode=se')).body), [c2.session.id], 'country codes in either case');
  t.same(ids((await search(app, 'flag=new_device')).body), [c2.session.id]);
  t.same(ids((await search(app, 'flag=new_country&countryCode=SE')).body), [c2.session.id], 'filters combine');
  const created = new Date(Date.parse(b2.session.createdAt)).toISOString();
  t.same(
    ids((await search(app, `createdAfter=${created}&createdBefore=${c2.session.createdAt}`)).body),
    [c1.session.id, b2.session.id],
    'after is inclusive, before is not',
  );

  const first = await search(app, 'network=0.0.0.0/0&limit=2');
  t.same(ids(first.body), [c2.session.id, b2.session.id]);
  const second = await search(app, `network=0.0.0.0/0&limit=2&cursor=${first.body.nextCursor}`);
  t.same(ids(second.body), [b1.session.id, a1.session.id]);
  t.equal(second.body.nextCursor, null, 'keyset pages, to the end');
});

t.test('search refuses what is not a filter: 400, never a database error', async (t) => {
  const { app } = await buildTestApp(t);
  await login(app);
  for (const query of [
    '',
    'status=active',
    'limit=5',
    'ip=81.2.69.142&network=81.2.69.0/24',
    'ip=81.2.69',
    'ip=1.2.3.4/24',
    'network=81.2.69.0/33',
    'network=81.2.69.0',
    'network=01.2.3.0/24',
    'countryCode=GBR',
    'flag=odd',
    'createdAfter=yesterday',
    "ip='; drop table sessions; --",
    'ip=81.2.69.142&cursor=abc',
    'network=::ffff:1.2.3.0/64',
  ]) {
    const { status, body } = await search(app, query);
    t.same([status, body.code], [400, 'validation_failed'], query || '(nothing)');
  }
  for (const scope of ['sessions:read', 'sessions:write']) {
    const refused = await call(app, serviceToken(app, scope), { method: 'GET', url: '/v1/sessions?ip=81.2.69.142' });
    t.same(
      [refused.statusCode, refused.headers['content-type'], refused.json().code],
      [403, 'application/problem+json; charset=utf-8', 'forbidden'],
      `${scope}: searching across users is for operators`,
    );
  }
  t.equal((await call(app, 'no-token', { method: 'GET', url: '/v1/sessions?ip=81.2.69.142' })).statusCode, 401);
});

t.test("bulk revoke ends every active match, in batches, across users and instances, once the dry run's count is confirmed", async (t) => {
  const clock = fixedClock();
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const a = await buildTestApp(t, { clock, db });
  const b = await buildTestApp(t, { clock, db });
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  t.teardown(() => admin.end());
  const token = serviceToken(a.app, 'sessions:read sessions:admin');
  const seen = await login(a.app, { userId: 'victim', ip: '203.0.113.77' });
  const bystander = await login(a.app, { userId: 'bystander', ip: '81.2.69.142' });
  t.equal((await call(b.app, seen.token, { method: 'GET', url: '/v1/me/sessions' })).statusCode, 200, 'B holds one of the matches');
  await insertBulkSessions(admin, {
    count: 2500,
    user: 'bot-{n}',
    ip: '203.0.113.77',
    createdAt: new Date(clock.now().getTime() - 3600_000),
  });

  const body = { ip: '203.0.113.77', reason: 'suspicious' };
  const dry = await call(a.app, token, { method: 'POST', url: '/v1/sessions/revoke', payload: body });
  t.same(dry.json(), { matched: 2501, revoked: 0, dryRun: true }, 'without expectedCount, a dry run');
  const flagged = await call(a.app, token, {
    method: 'POST',
    url: '/v1/sessions/revoke',
    payload: { ...body, expectedCount: 2501, dryRun: true },
  });
  t.same(flagged.json(), { matched: 2501, revoked: 0, dryRun: true }, 'dryRun: true counts even with expectedCount');
  t.equal((await admin.query('select 1 from sessions where ended_at is not null')).rowCount, 0, 'a dry run ends nothing');

  const real = await call(a.app, token, { method: 'POST', url: '/v1/sessions/revoke', payload: { ...body, expectedCount: 2501 } });
  t.same(real.json(), { matched: 2501, revoked: 2501, dryRun: false });
  const ends = await admin.query<{ reason: string; n: string }>(
    "select end_reason as reason, count(*) as n from sessions where ip = '203.0.113.77' group by 1",
  );
  t.same(ends.rows, [{ reason: 'suspicious', n: '2501' }]);
  const events = await admin.query<{ n: string }>(
    "select count(*) as n from session_events where type = 'ended' and data ->> 'reason' = 'suspicious'",
  );
  t.equal(events.rows[0].n, '2501', 'an ended event each');
  t.ok(
    await until(async () => (await call(b.app, seen.token, { method: 'GET', url: '/v1/me/sessions' })).statusCode === 401),
    'refused on the other instance',
  );
  t.equal(
    (await call(a.app, token, { method: 'GET', url: `/v1/sessions/${bystander.session.id}` })).json().status,
    'active',
    'what does not match is untouched',
  );
  const again = await call(a.app, token, { method: 'POST', url: '/v1/sessions/revoke', payload: { ...body, expectedCount: 2501 } });
  t.same(again.json(), { matched: 0, revoked: 0, dryRun: false }, 'nothing left to end');

  for (const payload of [
    { reason: 'suspicious' },
    { ip: '203.0.113.77' },
    { ip: '203.0.113.77', reason: 'erased' },
    { network: 'x', reason: 'admin' },
    { ip: '1.2.3.4', reason: 'admin', status: 'active' },
    { ip: '1.2.3.4', reason: 'admin', expectedCount: -1 },
    { ip: '1.2.3.4', reason: 'admin', expectedCount: 1.5 },
    { ip: '1.2.3.4', reason: 'admin', expectedCount: 'all' },
    { ip: '1.2.3.4', reason: 'admin', allUsers: 'yes' },
  ]) {
    t.equal((await call(a.app, token, { method: 'POST', url: '/v1/sessions/revoke', payload })).statusCode, 400, JSON.stringify(payload));
  }
  for (const scope of ['sessions:read', 'sessions:read sessions:write']) {
    t.equal(
      (
        await call(a.app, serviceToken(a.app, scope), {
          method: 'POST',
          url: '/v1/sessions/revoke',
          payload: { ...body, expectedCount: 1 },
        })
      ).statusCode,
      403,
      scope,
    );
  }
});

t.test('revoking all of a user runs in batches; the answer counts them all and lists ids up to 1,000', async (t) => {
  const { app, db } = await buildTestApp(t);
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  t.teardown(() => admin.end());
  const kept = await login(app, { userId: 'many' });
  await insertBulkSessions(admin, { count: 2600, user: 'many', ip: '81.2.69.142', createdAt: new Date(Date.now() - 86400_000) });
  const response = await call(app, serviceToken(app), {
    method: 'POST',
    url: '/v1/users/many/sessions/revoke',
    payload: { exceptSessionId: kept.session.id, reason: 'password_change' },
  });
  t.equal(response.statusCode, 200);
  const body = response.json();
  t.same([body.revoked, body.ids.length, body.idsTruncated], [2600, 1000, true]);
  t.equal(new Set(body.ids).size, 1000);
  const left = await admin.query<{ n: string }>("select count(*) as n from sessions where user_id = 'many' and ended_at is null");
  t.equal(left.rows[0].n, '1', 'only the kept one is active');
  const others = await call(app, kept.token, { method: 'POST', url: '/v1/me/sessions/revoke-others' });
  t.same(others.json(), { revoked: 0, ids: [] }, 'no idsTruncated when every id is listed');
});
