import t from 'tap';
import { buildTestApp, call, fixedClock, login, serviceToken } from '../helper.js';

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

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
  for (const [method, suffix] of [
    ['GET', ''],
    ['DELETE', ''],
    ['GET', '/events'],
  ] as const) {
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
  t.same(
    list.items.map((s: { id: string }) => s.id),
    [mine.session.id],
  );
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
  for (const [method, url] of [
    ['GET', '/v1/me/sessions'],
    ['POST', '/v1/me/heartbeat'],
    ['POST', '/v1/me/logout'],
  ] as const) {
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

t.test(
  'a flagged, unreviewed session younger than SESSION_TRUST_AFTER cannot end others; it can log out; confirmed or older, it can',
  async (t) => {
    const clock = fixedClock();
    const { app, rows } = await buildTestApp(t, { clock, env: { SESSION_TRUST_AFTER: '2h' } });
    const laptop = await login(app, { userId: 'alice', ip: '81.2.69.142' });
    clock.advance(3600 * 1000);
    const intruder = await login(app, { userId: 'alice', ip: '8.8.8.8', userAgent: IPHONE });
    t.ok(intruder.session.risk.flags.length > 0, 'the US session is flagged');
    const trustedFrom = new Date(Date.parse(intruder.session.createdAt) + 2 * 3600 * 1000).toISOString();
    for (const request of [
      { method: 'DELETE', url: `/v1/me/sessions/${laptop.session.id}` },
      { method: 'POST', url: '/v1/me/sessions/revoke-others' },
    ] as const) {
      const refused = await call(app, intruder.token, request);
      t.same(
        [refused.statusCode, refused.headers['content-type'], refused.json().code, refused.json().trustedFrom],
        [403, 'application/problem+json; charset=utf-8', 'session_not_yet_trusted', trustedFrom],
        request.url,
      );
    }
    t.equal((await rows.findById(laptop.session.id))?.ended_at, null, 'the owner is still signed in');
    t.equal(
      (await call(app, intruder.token, { method: 'DELETE', url: `/v1/me/sessions/${intruder.session.id}` })).statusCode,
      409,
      'itself from the list: use logout',
    );

    // Past SESSION_TRUST_AFTER (2h here), a flagged session may end others.
    const second = await login(app, { userId: 'alice', ip: '8.8.4.4', userAgent: IPHONE });
    clock.set(new Date(trustedFrom));
    const ended = await call(app, intruder.token, { method: 'DELETE', url: `/v1/me/sessions/${second.session.id}` });
    t.same([ended.statusCode, ended.json().status], [200, 'ended']);

    // Confirmed by another device, a new flagged session may end others at once.
    const third = await login(app, { userId: 'alice', ip: '8.8.4.4', userAgent: IPHONE });
    t.equal((await call(app, third.token, { method: 'POST', url: '/v1/me/sessions/revoke-others' })).statusCode, 403);
    t.equal((await call(app, laptop.token, { method: 'POST', url: `/v1/me/sessions/${third.session.id}/confirm` })).statusCode, 200);
    const others = await call(app, third.token, { method: 'POST', url: '/v1/me/sessions/revoke-others' });
    t.same([others.statusCode, others.json().ids.sort()], [200, [laptop.session.id, intruder.session.id].sort()]);

    const fresh = await login(app, {
      userId: 'alice',
      ip: '8.8.4.4',
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
    });
    t.ok(fresh.session.risk.flags.length > 0);
    t.equal(
      (await call(app, fresh.token, { method: 'GET', url: '/v1/me/sessions' })).statusCode,
      200,
      'an untrusted session reads its list',
    );
    const out = await call(app, fresh.token, { method: 'POST', url: '/v1/me/logout' });
    t.same([out.statusCode, out.json().endReason], [200, 'logout'], 'and ends itself');
  },
);

t.test("the backend's metadata is never shown on /v1/me; services still see it", async (t) => {
  const { app } = await buildTestApp(t);
  const token = serviceToken(app);
  const mine = await login(app, { userId: 'meta', metadata: { 'fraud-score': 97 } });
  const other = await login(app, { userId: 'meta', metadata: { tenant: 'acme' } });
  const answers = [
    await call(app, mine.token, { method: 'GET', url: '/v1/me/sessions' }),
    await call(app, mine.token, { method: 'GET', url: '/v1/me/sessions?status=all' }),
    await call(app, mine.token, { method: 'GET', url: `/v1/me/sessions/${other.session.id}` }),
    await call(app, mine.token, { method: 'GET', url: `/v1/me/sessions/${other.session.id}/events` }),
    await call(app, mine.token, { method: 'PATCH', url: `/v1/me/sessions/${other.session.id}`, payload: { name: 'Tablet' } }),
    await call(app, mine.token, { method: 'POST', url: `/v1/me/sessions/${other.session.id}/confirm` }),
    await call(app, mine.token, { method: 'DELETE', url: `/v1/me/sessions/${other.session.id}` }),
    await call(app, mine.token, { method: 'POST', url: '/v1/me/logout' }),
  ];
  for (const answer of answers) {
    t.equal(answer.statusCode, 200);
    t.notMatch(answer.body, /metadata|fraud-score|acme/, `${answer.json().id ?? 'a page'}: no metadata`);
  }
  const service = await call(app, token, { method: 'GET', url: `/v1/sessions/${mine.session.id}` });
  t.same(service.json().metadata, { 'fraud-score': 97 }, 'a service sees it');
  const listed = await call(app, token, { method: 'GET', url: '/v1/users/meta/sessions?status=all' });
  t.same(
    listed
      .json()
      .items.map((s: { metadata: unknown }) => s.metadata)
      .sort(),
    [{ 'fraud-score': 97 }, { tenant: 'acme' }].sort(),
  );
});
