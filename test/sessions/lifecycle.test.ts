import t from 'tap';
import { buildTestApp, call, fixedClock, login, serviceToken } from '../helper.js';

t.test('heartbeat answers active, and activity is written exactly', async (t) => {
  const { app, rows, sessions } = await buildTestApp(t);
  const { session } = await login(app);
  const token = serviceToken(app);
  for (let i = 0; i < 5; i++) {
    const response = await call(app, token, { method: 'POST', url: `/v1/sessions/${session.id}/heartbeat`, payload: { pageViews: 2 } });
    t.equal(response.statusCode, 200);
    t.same(Object.keys(response.json()).sort(), ['expiresAt', 'id', 'status', 'userId']);
    t.equal(response.json().status, 'active');
  }
  const noBody = await call(app, token, { method: 'POST', url: `/v1/sessions/${session.id}/heartbeat` });
  t.equal(noBody.statusCode, 200, 'a heartbeat needs no body');
  const before = (await call(app, token, { method: 'GET', url: `/v1/sessions/${session.id}` })).json();
  t.same(before.activity, { pageViews: 10, heartbeats: 6 }, 'activity not yet written is shown from memory');
  await sessions.flushActivity();
  const stored = await rows.findById(session.id);
  t.equal(Number(stored?.page_views), 10);
  t.equal(Number(stored?.heartbeats), 6);
  const after = (await call(app, token, { method: 'GET', url: `/v1/sessions/${session.id}` })).json();
  t.same(after.activity, { pageViews: 10, heartbeats: 6 }, 'not counted twice after the flush');
});

t.test('heartbeat validation and unknown sessions', async (t) => {
  const { app } = await buildTestApp(t);
  const { session } = await login(app);
  const token = serviceToken(app);
  const negative = await call(app, token, { method: 'POST', url: `/v1/sessions/${session.id}/heartbeat`, payload: { pageViews: -1 } });
  t.equal(negative.statusCode, 400);
  const badIp = await call(app, token, { method: 'POST', url: `/v1/sessions/${session.id}/heartbeat`, payload: { ip: '10.0.0.1/8' } });
  t.equal(badIp.statusCode, 400);
  t.equal(badIp.json().code, 'validation_failed');
  const unknown = await call(app, token, { method: 'POST', url: '/v1/sessions/0190a000-0000-7000-8000-000000000000/heartbeat' });
  t.equal(unknown.statusCode, 404);
});

t.test('a heartbeat from a new address moves the session and records it', async (t) => {
  const { app } = await buildTestApp(t);
  const { session } = await login(app, { ip: '81.2.69.142' });
  const token = serviceToken(app);
  const moved = await call(app, token, { method: 'POST', url: `/v1/sessions/${session.id}/heartbeat`, payload: { ip: '8.8.8.8' } });
  t.equal(moved.statusCode, 200);
  const after = (await call(app, token, { method: 'GET', url: `/v1/sessions/${session.id}` })).json();
  t.equal(after.ip, '8.8.8.8');
  t.equal(after.location?.countryCode, 'US');
  const events = (await call(app, token, { method: 'GET', url: `/v1/sessions/${session.id}/events` })).json();
  t.same(
    events.items.map((e: { type: string }) => e.type),
    ['flagged', 'country_changed', 'ip_changed', 'login'],
    'GB to US in seconds raises flags',
  );
  t.same(events.items[2].data, { from: '81.2.69.142', to: '8.8.8.8' });
});

t.test('DELETE ends a session once; again returns the same end', async (t) => {
  const clock = fixedClock();
  const { app } = await buildTestApp(t, { clock });
  const { session, token: sessionToken } = await login(app);
  const token = serviceToken(app);
  const first = await call(app, token, { method: 'DELETE', url: `/v1/sessions/${session.id}?reason=password_change` });
  t.equal(first.statusCode, 200);
  t.equal(first.json().status, 'ended');
  t.equal(first.json().endReason, 'password_change');
  clock.advance(5000);
  const second = await call(app, token, { method: 'DELETE', url: `/v1/sessions/${session.id}?reason=admin` });
  t.equal(second.statusCode, 200);
  t.equal(second.json().endedAt, first.json().endedAt, 'same endedAt');
  t.equal(second.json().endReason, 'password_change', 'the first reason stands');

  const heartbeat = await call(app, token, { method: 'POST', url: `/v1/sessions/${session.id}/heartbeat` });
  t.equal(heartbeat.statusCode, 410);
  t.equal(heartbeat.json().code, 'session_ended');
  t.equal(heartbeat.json().endReason, 'password_change');
  const introspect = await call(app, token, { method: 'POST', url: '/v1/sessions/introspect', payload: { token: sessionToken } });
  t.same(introspect.json(), { active: false });
  const me = await call(app, sessionToken, { method: 'GET', url: '/v1/me/sessions' });
  t.equal(me.statusCode, 401, 'the token of an ended session is refused');

  const badReason = await call(app, token, { method: 'DELETE', url: `/v1/sessions/${session.id}?reason=because` });
  t.equal(badReason.statusCode, 400);
  const missing = await call(app, token, { method: 'DELETE', url: '/v1/sessions/0190a000-0000-7000-8000-000000000000' });
  t.equal(missing.statusCode, 404);
});

t.test('introspect: active with the session, or just inactive', async (t) => {
  const { app } = await buildTestApp(t);
  const { session, token: sessionToken } = await login(app);
  const token = serviceToken(app, 'sessions:read');
  const active = await call(app, token, { method: 'POST', url: '/v1/sessions/introspect', payload: { token: sessionToken } });
  t.equal(active.statusCode, 200);
  t.equal(active.json().active, true);
  t.equal(active.json().session.id, session.id);
  const forged = `${sessionToken.slice(0, -4)}AAAA`;
  const wrong = await call(app, token, { method: 'POST', url: '/v1/sessions/introspect', payload: { token: forged } });
  t.same(wrong.json(), { active: false }, 'a token with the right id but the wrong secret is inactive');
  const garbage = await call(app, token, { method: 'POST', url: '/v1/sessions/introspect', payload: { token: 'hello' } });
  t.same(garbage.json(), { active: false });
  const empty = await call(app, token, { method: 'POST', url: '/v1/sessions/introspect', payload: {} });
  t.equal(empty.statusCode, 400);
});

t.test("revoke all of a user's sessions, optionally but one", async (t) => {
  const { app } = await buildTestApp(t);
  const a = await login(app, { userId: 'bob' });
  const b = await login(app, { userId: 'bob' });
  const c = await login(app, { userId: 'bob' });
  const other = await login(app, { userId: 'carol' });
  const token = serviceToken(app);
  const response = await call(app, token, {
    method: 'POST',
    url: '/v1/users/bob/sessions/revoke',
    payload: { exceptSessionId: a.session.id, reason: 'password_change' },
  });
  t.equal(response.statusCode, 200);
  t.equal(response.json().revoked, 2);
  t.same(response.json().ids.sort(), [b.session.id, c.session.id].sort());
  const list = (await call(app, token, { method: 'GET', url: '/v1/users/bob/sessions' })).json();
  t.same(
    list.items.map((s: { id: string }) => s.id),
    [a.session.id],
  );
  const carol = (await call(app, token, { method: 'GET', url: `/v1/sessions/${other.session.id}` })).json();
  t.equal(carol.status, 'active', "another user's sessions are untouched");
  const again = await call(app, token, { method: 'POST', url: '/v1/users/bob/sessions/revoke' });
  t.same(again.json(), { revoked: 1, ids: [a.session.id] });
  const nothing = await call(app, token, { method: 'POST', url: '/v1/users/bob/sessions/revoke' });
  t.same(nothing.json(), { revoked: 0, ids: [] });
});

t.test('a heartbeat with a new User-Agent updates the device fields and records it', async (t) => {
  const { app } = await buildTestApp(t);
  const { session } = await login(app);
  const token = serviceToken(app);
  const newer = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/127.0.0.0 Safari/537.36';
  const beat = await call(app, token, { method: 'POST', url: `/v1/sessions/${session.id}/heartbeat`, payload: { userAgent: newer } });
  t.equal(beat.statusCode, 200);
  const view = (await call(app, token, { method: 'GET', url: `/v1/sessions/${session.id}` })).json();
  t.equal(view.userAgent, newer);
  t.equal(view.label, 'Chrome 127 on macOS');
  const events = (await call(app, token, { method: 'GET', url: `/v1/sessions/${session.id}/events` })).json();
  t.same(events.items[0].data, { from: 'Chrome 126 on macOS', to: 'Chrome 127 on macOS' });
  t.equal(events.items[0].type, 'user_agent_changed');
  await call(app, token, { method: 'POST', url: `/v1/sessions/${session.id}/heartbeat`, payload: { userAgent: newer } });
  const again = (await call(app, token, { method: 'GET', url: `/v1/sessions/${session.id}/events` })).json();
  t.equal(again.items.length, events.items.length, 'the same User-Agent again records nothing');
});
