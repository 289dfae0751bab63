import t from 'tap';
import { buildTestApp, call, login, serviceToken } from '../helper.js';

// Findings 5 and 6: an upper-case id got around the 409 on the current session, and user ids that
// are not well-formed UTF-16 collided once stored.

t.test('an upper-case id is the same session: the current one is still a 409, and an end is cached under its real id', async (t) => {
  const { app, cache } = await buildTestApp(t);
  const me = await login(app, { userId: 'ursula' });
  const other = await login(app, { userId: 'ursula' });
  const current = await call(app, me.token, { method: 'DELETE', url: `/v1/me/sessions/${me.session.id.toUpperCase()}` });
  t.equal(current.statusCode, 409, 'upper case does not get around the rule');
  t.equal(current.json().code, 'cannot_revoke_current');
  t.equal((await call(app, me.token, { method: 'GET', url: '/v1/me/sessions' })).statusCode, 200, 'the current session still works');
  const ended = await call(app, me.token, { method: 'DELETE', url: `/v1/me/sessions/${other.session.id.toUpperCase()}` });
  t.equal(ended.statusCode, 200);
  t.equal(ended.json().id, other.session.id, 'answered with the canonical id');
  t.equal(cache.endedInfo(other.session.id)?.reason, 'revoked_by_user', 'the end is known under the canonical id');
  const view = await call(app, serviceToken(app), { method: 'GET', url: `/v1/sessions/${other.session.id.toUpperCase()}` });
  t.equal(view.json().status, 'ended');
  const revoke = await call(app, serviceToken(app), {
    method: 'POST',
    url: '/v1/users/ursula/sessions/revoke',
    payload: { exceptSessionId: me.session.id.toUpperCase() },
  });
  t.same(revoke.json(), { revoked: 0, ids: [] }, 'the session named in upper case is the one kept');
});

t.test('strings that are not well-formed UTF-16 are refused, in every field', async (t) => {
  const { app } = await buildTestApp(t);
  const token = serviceToken(app);
  const lone = ['zed\ud800', 'zed\udc00', '\udfff', 'a\ud83d'];
  for (const bad of lone) {
    const bodies = [
      { userId: bad },
      { userId: 'ok', label: bad },
      { userId: 'ok', loginMethod: bad },
      { userId: 'ok', deviceId: bad },
      { userId: 'ok', userAgent: bad },
      { userId: 'ok', metadata: { note: bad } },
      { userId: 'ok', metadata: { [bad]: 1 } },
      { userId: 'ok', clientHints: { 'sec-ch-ua': bad } },
      { userId: 'ok', client: { name: bad } },
    ];
    for (const body of bodies) {
      const response = await call(app, token, {
        method: 'POST',
        url: '/v1/sessions',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      });
      t.equal(response.statusCode, 400, `${JSON.stringify(body)} is refused`);
      t.equal(response.json().code, 'validation_failed');
    }
  }
  const intro = await call(app, token, {
    method: 'POST',
    url: '/v1/sessions/introspect',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ token: 'x\ud800' }),
  });
  t.equal(intro.statusCode, 400);
  const pathParam = await call(app, token, { method: 'GET', url: '/v1/users/zed%ED%A0%80/sessions' });
  t.equal(pathParam.statusCode, 400, 'an encoded surrogate in a path is refused too');
  // Two users whose ids differ only in a lone surrogate can no longer be created: nothing collides.
  const zed = await call(app, token, { method: 'POST', url: '/v1/sessions', payload: { userId: 'zed\ufffd' } });
  t.equal(zed.statusCode, 201, 'the replacement character itself is ordinary text');
});
