import t from 'tap';
import { buildTestApp, call, login, serviceToken } from '../helper.js';

t.test('GET /v1/me/sessions lists only mine, with the current one marked', async (t) => {
  const { app } = await buildTestApp(t);
  const mine = await login(app, { userId: 'dana' });
  const other = await login(app, { userId: 'dana' });
  await login(app, { userId: 'eve' });
  const response = await call(app, mine.token, { method: 'GET', url: '/v1/me/sessions' });
  t.equal(response.statusCode, 200);
  const items = response.json().items as Array<{ id: string; current: boolean; userId: string }>;
  t.equal(items.length, 2);
  t.ok(items.every((s) => s.userId === 'dana'));
  t.equal(items.find((s) => s.id === mine.session.id)?.current, true);
  t.equal(items.find((s) => s.id === other.session.id)?.current, false);
});

t.test("another user's session is a 404, exactly like a missing one", async (t) => {
  const { app } = await buildTestApp(t);
  const mine = await login(app, { userId: 'dana' });
  const theirs = await login(app, { userId: 'eve' });
  const missingId = '0190a000-0000-7000-8000-000000000000';
  for (const [method, suffix] of [['GET', ''], ['DELETE', ''], ['GET', '/events']] as const) {
    const foreign = await call(app, mine.token, { method, url: `/v1/me/sessions/${theirs.session.id}${suffix}` });
    const missing = await call(app, mine.token, { method, url: `/v1/me/sessions/${missingId}${suffix}` });
    t.equal(foreign.statusCode, 404, `${method} ${suffix}: foreign is 404`);
    t.equal(missing.statusCode, 404);
    const strip = (body: Record<string, unknown>) => ({ ...body, requestId: undefined });
    t.same(strip(foreign.json()), strip(missing.json()), 'same body');
  }
  const still = await call(app, serviceToken(app), { method: 'GET', url: `/v1/sessions/${theirs.session.id}` });
  t.equal(still.json().status, 'active', 'the foreign session was not ended');
});

t.test('ending sessions from the list: others yes, the current one no', async (t) => {
  const { app } = await buildTestApp(t);
  const mine = await login(app, { userId: 'dana' });
  const other = await login(app, { userId: 'dana' });
  const current = await call(app, mine.token, { method: 'DELETE', url: `/v1/me/sessions/${mine.session.id}` });
  t.equal(current.statusCode, 409);
  t.equal(current.json().code, 'cannot_revoke_current');
  const ended = await call(app, mine.token, { method: 'DELETE', url: `/v1/me/sessions/${other.session.id}` });
  t.equal(ended.statusCode, 200);
  t.equal(ended.json().endReason, 'revoked_by_user');
  t.equal(ended.json().current, false);
  const refused = await call(app, other.token, { method: 'GET', url: '/v1/me/sessions' });
  t.equal(refused.statusCode, 401, "the ended session's token no longer works");
  const events = (await call(app, serviceToken(app), { method: 'GET', url: `/v1/sessions/${other.session.id}/events` })).json();
  t.equal(events.items[0].type, 'ended');
  t.equal(events.items[0].actor, `user:${mine.session.id}`, 'records which session ended it');
});

t.test('revoke-others ends all but the current session', async (t) => {
  const { app } = await buildTestApp(t);
  const mine = await login(app, { userId: 'dana' });
  const others = [await login(app, { userId: 'dana' }), await login(app, { userId: 'dana' })];
  const stranger = await login(app, { userId: 'eve' });
  const response = await call(app, mine.token, { method: 'POST', url: '/v1/me/sessions/revoke-others' });
  t.equal(response.statusCode, 200);
  t.equal(response.json().revoked, 2);
  t.same(response.json().ids.sort(), others.map((o) => o.session.id).sort());
  const list = (await call(app, mine.token, { method: 'GET', url: '/v1/me/sessions' })).json();
  t.same(list.items.map((s: { id: string }) => s.id), [mine.session.id]);
  const history = (await call(app, mine.token, { method: 'GET', url: '/v1/me/sessions?status=ended' })).json();
  t.equal(history.items.length, 2);
  t.ok(history.items.every((s: { endReason: string }) => s.endReason === 'revoked_by_user'));
  const strangerStill = await call(app, stranger.token, { method: 'GET', url: '/v1/me/sessions' });
  t.equal(strangerStill.statusCode, 200);
});

t.test('logout ends the current session and kills its token', async (t) => {
  const { app } = await buildTestApp(t);
  const mine = await login(app, { userId: 'dana' });
  const response = await call(app, mine.token, { method: 'POST', url: '/v1/me/logout' });
  t.equal(response.statusCode, 200);
  t.equal(response.json().endReason, 'logout');
  t.equal(response.json().status, 'ended');
  for (const [method, url] of [['GET', '/v1/me/sessions'], ['POST', '/v1/me/heartbeat'], ['POST', '/v1/me/logout']] as const) {
    const after = await call(app, mine.token, { method, url });
    t.equal(after.statusCode, 401, `${method} ${url} after logout`);
  }
});

t.test('me heartbeat counts page views on the current session', async (t) => {
  const { app } = await buildTestApp(t);
  const mine = await login(app, { userId: 'dana' });
  const response = await call(app, mine.token, { method: 'POST', url: '/v1/me/heartbeat', payload: { pageViews: 3, path: '/photos' } });
  t.equal(response.statusCode, 200);
  t.equal(response.json().id, mine.session.id);
  const view = (await call(app, mine.token, { method: 'GET', url: `/v1/me/sessions/${mine.session.id}` })).json();
  t.same(view.activity, { pageViews: 3, heartbeats: 1 });
  t.equal(view.current, true);
});
