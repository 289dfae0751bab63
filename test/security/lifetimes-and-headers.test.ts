import t from 'tap';
import { loadConfig } from '../../src/config.js';
import { buildTestApp, call, login, serviceToken } from '../helper.js';

// Findings 4, 7, 8 and 10: lifetimes bounded, operators' names kept from end users, no caching of
// API answers, and the credential checked before the body is read.

t.test('lifetimes above SESSION_LIFETIME_LIMIT are refused', async (t) => {
  const { app } = await buildTestApp(t);
  const token = serviceToken(app);
  const tenYears = 315360000;
  const response = await call(app, token, { method: 'POST', url: '/v1/sessions', payload: { userId: 'life', maxAgeSeconds: tenYears } });
  t.equal(response.statusCode, 400, 'ten years is refused');
  t.match(response.json().detail, /SESSION_LIFETIME_LIMIT/);
  t.equal(
    (await call(app, token, { method: 'POST', url: '/v1/sessions', payload: { userId: 'life', maxAgeSeconds: 400 * 86400 } })).statusCode,
    201,
    '400 days is allowed',
  );
  const strict = await buildTestApp(t, { env: { SESSION_LIFETIME_LIMIT: '1d', SESSION_MAX_AGE: '1d', SESSION_IDLE_TIMEOUT: '1h' } });
  for (const field of ['maxAgeSeconds', 'idleTimeoutSeconds']) {
    t.equal(
      (
        await call(strict.app, serviceToken(strict.app), {
          method: 'POST',
          url: '/v1/sessions',
          payload: { userId: 'life', [field]: 86401 },
        })
      ).statusCode,
      400,
      `${field} past a one-day limit`,
    );
  }
  t.throws(() => loadConfig({ SESSION_MAX_AGE: '500d' }), /SESSION_MAX_AGE must not be longer than SESSION_LIFETIME_LIMIT/);
});

t.test('end users see the kind of actor, services see who', async (t) => {
  const { app } = await buildTestApp(t);
  const me = await login(app, { userId: 'amy' });
  const other = await login(app, { userId: 'amy' });
  const ops = serviceToken(app, 'sessions:read sessions:write', { sub: 'ops-jane.doe@corp.example' });
  await call(app, ops, { method: 'DELETE', url: `/v1/sessions/${other.session.id}?reason=admin` });
  const mine = (await call(app, me.token, { method: 'GET', url: `/v1/me/sessions/${other.session.id}/events` })).json();
  t.same(
    mine.items.map((e: { actor: string }) => e.actor),
    ['service', 'service'],
  );
  t.notMatch(JSON.stringify(mine), /jane|corp\.example|test-backend/, "no operator's name reaches the user");
  const theirs = (await call(app, ops, { method: 'GET', url: `/v1/sessions/${other.session.id}/events` })).json();
  t.equal(theirs.items[0].actor, 'service:ops-jane.doe@corp.example', 'services keep the subject');
});

t.test('every /v1 answer says Cache-Control: no-store, errors included', async (t) => {
  const { app } = await buildTestApp(t);
  const { token, session } = await login(app);
  const answers = [
    await call(app, serviceToken(app), { method: 'POST', url: '/v1/sessions', payload: { userId: 'cc' } }),
    await call(app, token, { method: 'GET', url: '/v1/me/sessions' }),
    await call(app, token, { method: 'POST', url: '/v1/me/heartbeat' }),
    await call(app, serviceToken(app), { method: 'GET', url: `/v1/sessions/${session.id}` }),
    await app.inject({ method: 'GET', url: '/v1/me/sessions' }),
    await call(app, serviceToken(app), { method: 'GET', url: '/v1/sessions/not-a-uuid' }),
  ];
  for (const answer of answers) t.equal(answer.headers['cache-control'], 'no-store', `${answer.statusCode}`);
});

t.test('the credential is checked before the body: no field names for the unauthenticated', async (t) => {
  const { app } = await buildTestApp(t);
  for (const [url, payload] of [
    ['/v1/sessions', { wrong: 1 }],
    ['/v1/sessions/introspect', { nope: true }],
    ['/v1/users/u/sessions/revoke', { reason: 'bogus' }],
  ] as const) {
    const response = await app.inject({ method: 'POST', url, payload });
    t.equal(response.statusCode, 401, url);
    t.notMatch(response.body, /userId|body|wrong|nope|bogus|must/, 'nothing about the body');
  }
  const me = await app.inject({ method: 'POST', url: '/v1/me/heartbeat', payload: { ip: '1.2.3.4' } });
  t.equal(me.statusCode, 401);
});
