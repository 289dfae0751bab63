import t from 'tap';
import { buildTestApp, call, fixedClock, login, serviceToken } from '../helper.js';

t.test('idle timeout: usable until the last instant, ended exactly at the boundary', async (t) => {
  const clock = fixedClock();
  const { app, rows } = await buildTestApp(t, { clock });
  const token = serviceToken(app);
  const { session, token: sessionToken } = await login(app, { idleTimeoutSeconds: 600, maxAgeSeconds: 86400 });
  clock.advance(600 * 1000 - 1);
  const justBefore = await call(app, token, { method: 'GET', url: `/v1/sessions/${session.id}` });
  t.equal(justBefore.json().status, 'active', '1 ms before the idle limit');
  clock.advance(1);
  const at = await call(app, token, { method: 'GET', url: `/v1/sessions/${session.id}` });
  t.equal(at.json().status, 'ended', 'at the idle limit');
  t.equal(at.json().endReason, 'idle_timeout');
  t.equal(at.json().endedAt, new Date(Date.parse(session.createdAt) + 600000).toISOString(), 'ended when it expired');
  const heartbeat = await call(app, token, { method: 'POST', url: `/v1/sessions/${session.id}/heartbeat` });
  t.equal(heartbeat.statusCode, 410);
  t.equal(heartbeat.json().endReason, 'idle_timeout');
  const me = await call(app, sessionToken, { method: 'GET', url: '/v1/me/sessions' });
  t.equal(me.statusCode, 401);
  const row = await rows.findById(session.id);
  t.equal(row?.end_reason, 'idle_timeout', 'written at read time');
});

t.test('a heartbeat pushes the idle limit; the absolute limit stays', async (t) => {
  const clock = fixedClock();
  const { app } = await buildTestApp(t, { clock });
  const token = serviceToken(app);
  const { session } = await login(app, { idleTimeoutSeconds: 600, maxAgeSeconds: 1000 });
  clock.advance(500 * 1000);
  const beat = await call(app, token, { method: 'POST', url: `/v1/sessions/${session.id}/heartbeat` });
  t.equal(beat.json().expiresAt, new Date(Date.parse(session.createdAt) + 1000 * 1000).toISOString(), 'capped by max age');
  clock.advance(499 * 1000);
  const still = await call(app, token, { method: 'POST', url: `/v1/sessions/${session.id}/heartbeat` });
  t.equal(still.statusCode, 200, '999 s after login');
  clock.advance(1000);
  const over = await call(app, token, { method: 'POST', url: `/v1/sessions/${session.id}/heartbeat` });
  t.equal(over.statusCode, 410);
  t.equal(over.json().endReason, 'max_age');
});

t.test('the sweeper writes expiries and purges history past retention', async (t) => {
  const clock = fixedClock();
  const { app, rows, sessions } = await buildTestApp(t, { clock, env: { SESSION_HISTORY_RETENTION: '2h' } });
  const token = serviceToken(app);
  const idle = await login(app, { userId: 'hal', idleTimeoutSeconds: 60, maxAgeSeconds: 7200 });
  const fresh = await login(app, { userId: 'hal', idleTimeoutSeconds: 7200, maxAgeSeconds: 7200 });
  clock.advance(61 * 1000);
  const first = await sessions.sweep();
  t.equal(first.expired, 1);
  const row = await rows.findById(idle.session.id);
  t.equal(row?.end_reason, 'idle_timeout');
  t.equal(row?.ended_by, 'expiry');
  t.equal((await rows.findById(fresh.session.id))?.ended_at, null);
  const events = (await call(app, token, { method: 'GET', url: `/v1/sessions/${idle.session.id}/events` })).json();
  t.equal(events.items[0].type, 'expired');
  t.equal(events.items[0].actor, 'expiry');

  clock.advance(2 * 3600 * 1000 + 1000);
  const second = await sessions.sweep();
  t.equal(second.expired, 1, 'the other one reached its max age');
  t.equal(second.purged, 1, 'the first one ended more than 2 h ago');
  const gone = await call(app, token, { method: 'GET', url: `/v1/sessions/${idle.session.id}` });
  t.equal(gone.statusCode, 404);
  const kept = await call(app, token, { method: 'GET', url: `/v1/sessions/${fresh.session.id}` });
  t.equal(kept.json().endReason, 'max_age');
});

t.test('expired sessions move from the active list to history at read time', async (t) => {
  const clock = fixedClock();
  const { app } = await buildTestApp(t, { clock });
  const token = serviceToken(app);
  const short = await login(app, { userId: 'ivy', idleTimeoutSeconds: 60 });
  const long = await login(app, { userId: 'ivy', idleTimeoutSeconds: 3600 });
  clock.advance(60 * 1000);
  const active = (await call(app, token, { method: 'GET', url: '/v1/users/ivy/sessions' })).json();
  t.same(
    active.items.map((s: { id: string }) => s.id),
    [long.session.id],
  );
  const ended = (await call(app, token, { method: 'GET', url: '/v1/users/ivy/sessions?status=ended' })).json();
  t.same(
    ended.items.map((s: { id: string; endReason: string }) => [s.id, s.endReason]),
    [[short.session.id, 'idle_timeout']],
  );
});
