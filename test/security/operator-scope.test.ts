import t from 'tap';
import { buildTestApp, call, login, serviceToken } from '../helper.js';

// The operator calls need sessions:admin: a backend's sessions:write (which every backend holds)
// reaches no other user than the one it names, and sessions:admin implies nothing else.

t.test("a backend's sessions:write token cannot reach across users", async (t) => {
  const { app, rows } = await buildTestApp(t);
  const victims = [await login(app, { userId: 'ann', ip: '81.2.69.142' }), await login(app, { userId: 'bob', ip: '2001:4860:4860::8888' })];
  const write = serviceToken(app, 'sessions:read sessions:write');
  const id = victims[0].session.id;
  const operatorCalls = [
    ['POST', '/v1/sessions/revoke', { createdAfter: '1970-01-01T00:00:00Z', reason: 'admin' }],
    ['POST', '/v1/sessions/revoke', { network: '0.0.0.0/0', reason: 'admin', allUsers: true, expectedCount: 2 }],
    ['POST', '/v1/sessions/revoke', { network: '::/0', reason: 'admin', allUsers: true, expectedCount: 2 }],
    ['GET', '/v1/sessions?createdAfter=1970-01-01T00:00:00Z'],
    ['DELETE', '/v1/users/ann'],
    ['GET', '/v1/users/ann/export'],
    ['POST', `/v1/sessions/${id}/review`, { state: 'reported' }],
  ] as const;
  for (const [method, url, payload] of operatorCalls) {
    const response = await call(app, write, { method, url, payload });
    const label = `${method} ${url} ${payload ? JSON.stringify(payload) : ''}`;
    t.same(
      [response.statusCode, response.headers['content-type'], response.json().code],
      [403, 'application/problem+json; charset=utf-8', 'forbidden'],
      label,
    );
    t.match(response.json().detail, /sessions:admin/, `${label}: names the scope`);
    t.notOk(response.body.includes('ann') || response.body.includes(id), `${label}: tells nothing of the user`);
  }
  for (const victim of victims) {
    const row = await rows.findById(victim.session.id);
    t.same([row?.ended_at, row?.review_state], [null, 'unreviewed'], `${victim.session.userId}: untouched`);
  }

  // What a backend needs still works with sessions:write.
  const own = await call(app, write, { method: 'POST', url: '/v1/users/ann/sessions/revoke', payload: { reason: 'password_change' } });
  t.same([own.statusCode, own.json().revoked], [200, 1], 'all of one user (a password change)');
  t.equal((await call(app, write, { method: 'DELETE', url: `/v1/sessions/${victims[1].session.id}` })).statusCode, 200, 'one session');
  t.equal(
    (await call(app, write, { method: 'PATCH', url: `/v1/sessions/${victims[1].session.id}`, payload: { name: 'Laptop' } })).statusCode,
    200,
    'a name',
  );
});

t.test('sessions:admin reaches the operator calls, and implies no other scope', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = serviceToken(app, 'sessions:admin', { sub: 'ops-alice' });
  const session = await login(app, { userId: 'cy', ip: '81.2.69.142' });
  t.equal((await call(app, admin, { method: 'GET', url: '/v1/sessions?ip=81.2.69.142' })).json().items.length, 1, 'search');
  t.equal(
    (await call(app, admin, { method: 'POST', url: `/v1/sessions/${session.session.id}/review`, payload: { state: 'confirmed' } }))
      .statusCode,
    200,
    'review',
  );
  t.equal((await call(app, admin, { method: 'GET', url: '/v1/users/cy/export' })).statusCode, 200, 'export');
  const revoked = await call(app, admin, {
    method: 'POST',
    url: '/v1/sessions/revoke',
    payload: { ip: '81.2.69.142', reason: 'suspicious', expectedCount: 1 },
  });
  t.same(revoked.json(), { matched: 1, revoked: 1, dryRun: false }, 'bulk revoke');
  t.same((await call(app, admin, { method: 'DELETE', url: '/v1/users/cy' })).json().erasedSessions, 1, 'erasure');

  for (const [method, url, payload] of [
    ['POST', '/v1/sessions', { userId: 'cy' }],
    ['GET', `/v1/sessions/${session.session.id}`],
    ['GET', '/v1/users/cy/sessions'],
    ['GET', '/v1/events'],
    ['GET', '/v1/webhooks'],
  ] as const) {
    const response = await call(app, admin, { method, url, payload });
    t.same(
      [response.statusCode, response.json().code],
      [403, 'forbidden'],
      `${method} ${url}: admin is not read, write or webhooks:manage`,
    );
  }
});
