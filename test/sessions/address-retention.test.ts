import t from 'tap';
import pg from 'pg';
import { createAddressRetentionRepository } from '../../src/sessions/repositories/address-retention.js';
import { buildTestApp, call, fixedClock, login, serviceToken } from '../helper.js';
import { insertBulkSessions } from '../support/bulk-sessions.js';
import { scanEveryTable } from '../support/scan.js';

const DAY = 86400 * 1000;

t.test("after IP_RETENTION, a session's addresses exist only as networks, in the session and its events", async (t) => {
  const clock = fixedClock();
  const { app, db, sessions, eventLog } = await buildTestApp(t, { clock });
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  t.teardown(() => admin.end());
  const token = serviceToken(app);

  const moved = await login(app, { userId: 'ret', ip: '81.2.69.142' });
  t.equal(
    (await call(app, token, { method: 'POST', url: `/v1/sessions/${moved.session.id}/heartbeat`, payload: { ip: '89.160.20.128' } }))
      .statusCode,
    200,
  );
  const v6 = await login(app, { userId: 'ret', ip: '2001:4860:4860::8888' });
  const recent = await login(app, { userId: 'ret', ip: '89.160.20.112' });
  const active = await login(app, { userId: 'ret', ip: '81.2.69.160' });
  for (const s of [moved, v6]) await call(app, token, { method: 'DELETE', url: `/v1/sessions/${s.session.id}` });
  clock.advance(20 * DAY);
  await call(app, token, { method: 'DELETE', url: `/v1/sessions/${recent.session.id}` });
  clock.advance(10 * DAY + 1000);

  const result = await sessions.sweep();
  t.equal(result.addressesReduced, 2, 'the two sessions ended more than 30 days ago');

  const first = (await call(app, token, { method: 'GET', url: `/v1/sessions/${moved.session.id}` })).json();
  t.equal(first.ip, '89.160.20.0/24', 'an IPv4 address becomes its /24');
  t.same(
    [first.location.countryCode, first.location.latitude, first.location.longitude, first.location.accuracyRadiusKm],
    ['SE', null, null, null],
    'the country stays, the coordinates go',
  );
  t.equal(first.location.country, 'Sweden');
  const second = (await call(app, token, { method: 'GET', url: `/v1/sessions/${v6.session.id}` })).json();
  t.equal(second.ip, '2001:4860:4860::/48', 'an IPv6 address becomes its /48');
  const events = (await eventLog.list(moved.session.id, 10, null)).map((e) => [e.type, e.data]);
  t.same(events.find(([type]) => type === 'login')?.[1], { ip: '81.2.69.0/24', countryCode: 'GB', flags: [] });
  t.same(events.find(([type]) => type === 'ip_changed')?.[1], { from: '81.2.69.0/24', to: '89.160.20.0/24' });

  const scan = await scanEveryTable(admin, ['81.2.69.142', '89.160.20.128', '2001:4860:4860::8888', '89.160.20.112', '81.2.69.160']);
  t.same(
    scan.findings.map((f) => f.value).sort(),
    ['81.2.69.160', '81.2.69.160', '89.160.20.112', '89.160.20.112'].sort(),
    'only the addresses of the recent and the active session are whole',
  );
  t.ok(scan.findings.every((f) => ['sessions', 'session_events'].includes(f.table)));
  t.equal((await call(app, token, { method: 'GET', url: `/v1/sessions/${recent.session.id}` })).json().ip, '89.160.20.112');
  t.equal(
    (await call(app, token, { method: 'GET', url: `/v1/sessions/${active.session.id}` })).json().location.latitude !== null,
    true,
    'an active session keeps its coordinates',
  );

  const operator = serviceToken(app, 'sessions:admin');
  const byNetwork = await call(app, operator, { method: 'GET', url: '/v1/sessions?network=89.160.20.0/24' });
  t.same(
    byNetwork
      .json()
      .items.map((s: { id: string }) => s.id)
      .sort(),
    [recent.session.id, moved.session.id].sort(),
    'incident search by network still finds a reduced session',
  );
  const byAddress = await call(app, operator, { method: 'GET', url: '/v1/sessions?ip=89.160.20.128' });
  t.same(byAddress.json().items, [], 'but not by the address it no longer holds');

  t.same((await sessions.sweep()).addressesReduced, 0, 'a session is reduced once');
  t.equal(
    (await call(app, token, { method: 'GET', url: `/v1/sessions/${moved.session.id}` })).json().ip,
    '89.160.20.0/24',
    'and a network stays the same network',
  );
});

t.test('the sweeper reduces addresses in bounded batches', async (t) => {
  const clock = fixedClock();
  const { db, handle, sessions } = await buildTestApp(t, { clock, env: { IP_RETENTION: '7d' } });
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  t.teardown(() => admin.end());
  const endedAt = new Date(clock.now().getTime() - 8 * DAY);
  await insertBulkSessions(admin, {
    count: 2500,
    user: 'old-{n}',
    ip: '81.2.69.142',
    countryCode: 'GB',
    createdAt: new Date(endedAt.getTime() - DAY),
    ended: { at: endedAt, reason: 'logout' },
  });
  await insertBulkSessions(admin, {
    count: 10,
    user: 'young-{n}',
    ip: '81.2.69.142',
    createdAt: new Date(clock.now().getTime() - 2 * DAY),
    ended: { at: new Date(clock.now().getTime() - DAY), reason: 'logout' },
  });

  const retention = createAddressRetentionRepository(handle);
  t.equal(
    await retention.reduceBatch(new Date(clock.now().getTime() - 7 * DAY), clock.now(), 1000),
    1000,
    'one statement reduces at most its batch',
  );
  t.equal((await sessions.sweep()).addressesReduced, 1500, 'the sweep takes the rest, batch after batch');
  const left = await admin.query<{ ip: string; n: string }>('select ip, count(*) as n from sessions group by ip order by ip');
  t.same(
    left.rows,
    [
      { ip: '81.2.69.0/24', n: '2500' },
      { ip: '81.2.69.142', n: '10' },
    ],
    'only the sessions ended within IP_RETENTION keep their address',
  );
  const events = await admin.query<{ n: string }>("select count(*) as n from session_events where data ->> 'ip' = '81.2.69.142'");
  t.equal(events.rows[0].n, '10', 'and so do their events alone');
  const coordinates = await admin.query<{ n: string }>("select count(*) as n from sessions where location ->> 'latitude' is not null");
  t.equal(coordinates.rows[0].n, '0', 'no coordinates left on reduced sessions');
});
