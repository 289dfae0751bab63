import t from 'tap';
import { buildTestApp, call, createTestDatabase, fixedClock, login, serviceToken, until } from '../helper.js';

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const HOUR = 3600 * 1000;

t.test('"Yes, it was me": confirmed with its time and an event; the same answer again changes nothing', async (t) => {
  const clock = fixedClock();
  const { app, eventLog } = await buildTestApp(t, { clock });
  const home = await login(app, { userId: 'rev' });
  const odd = await login(app, { userId: 'rev', ip: '8.8.8.8', userAgent: IPHONE });
  t.same(odd.session.review, { state: 'unreviewed', at: null }, 'a new session is unreviewed');
  clock.advance(60 * 1000);
  const confirmed = await call(app, home.token, { method: 'POST', url: `/v1/me/sessions/${odd.session.id}/confirm` });
  t.equal(confirmed.statusCode, 200);
  t.same(confirmed.json().review, { state: 'confirmed', at: clock.now().toISOString() });
  t.equal(confirmed.json().status, 'active', 'confirming does not end it');
  t.equal(confirmed.json().current, false);
  clock.advance(60 * 1000);
  const again = await call(app, home.token, { method: 'POST', url: `/v1/me/sessions/${odd.session.id}/confirm` });
  t.same(again.json().review, confirmed.json().review, 'the time of the first answer stays');
  const reviewed = (await eventLog.list(odd.session.id, 10, null)).filter((e) => e.type === 'reviewed');
  t.same(
    reviewed.map((e) => [e.data, e.actor]),
    [[{ state: 'confirmed' }, `user:${home.session.id}`]],
    'one event',
  );
  const own = await call(app, home.token, { method: 'POST', url: `/v1/me/sessions/${home.session.id}/confirm` });
  t.same([own.statusCode, own.json().current, own.json().review.state], [200, true, 'confirmed'], 'the current session may be confirmed');
});

t.test('a confirmed device and country are known from then on; an unconfirmed one is flagged again', async (t) => {
  const clock = fixedClock();
  const { app } = await buildTestApp(t, { clock });
  const home = await login(app, { userId: 'kim', ip: '81.2.69.142' });
  clock.advance(24 * HOUR);
  const trip = await login(app, { userId: 'kim', ip: '8.8.8.8', userAgent: IPHONE });
  t.same(trip.session.risk.flags, ['new_country', 'new_device', 'concurrent_countries']);
  clock.advance(24 * HOUR);
  const unconfirmed = await login(app, { userId: 'kim', ip: '8.8.8.8', userAgent: IPHONE });
  t.ok(unconfirmed.session.risk.flags.includes('new_device'), 'not yet known: flagged again');
  t.ok(unconfirmed.session.risk.flags.includes('new_country'));
  for (const s of [trip, unconfirmed]) {
    t.equal((await call(app, home.token, { method: 'POST', url: `/v1/me/sessions/${s.session.id}/confirm` })).statusCode, 200);
  }
  clock.advance(24 * HOUR);
  const later = await login(app, { userId: 'kim', ip: '8.8.8.8', userAgent: IPHONE });
  t.notOk(later.session.risk.flags.includes('new_device'), 'the confirmed device is known');
  t.notOk(later.session.risk.flags.includes('new_country'), 'and so is its country');
});

t.test('"This wasn\'t me": ends at once everywhere, reported, two events; what it showed is not learned', async (t) => {
  const clock = fixedClock();
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const a = await buildTestApp(t, { clock, db });
  const b = await buildTestApp(t, { clock, db });
  const home = await login(a.app, { userId: 'lou', ip: '81.2.69.142' });
  clock.advance(24 * HOUR);
  const intruder = await login(a.app, { userId: 'lou', ip: '8.8.8.8', userAgent: IPHONE });
  t.equal((await call(b.app, intruder.token, { method: 'GET', url: '/v1/me/sessions' })).statusCode, 200, "B holds the intruder's session");
  const current = await call(a.app, home.token, { method: 'POST', url: `/v1/me/sessions/${home.session.id}/report` });
  t.same([current.statusCode, current.json().code], [409, 'cannot_revoke_current'], 'the current session cannot be reported');
  clock.advance(60 * 1000);
  const reported = await call(a.app, home.token, { method: 'POST', url: `/v1/me/sessions/${intruder.session.id}/report` });
  t.equal(reported.statusCode, 200);
  const body = reported.json();
  t.same(
    [body.status, body.endReason, body.endedAt, body.review],
    ['ended', 'reported_by_user', clock.now().toISOString(), { state: 'reported', at: clock.now().toISOString() }],
  );
  const events = (await a.eventLog.list(intruder.session.id, 10, null)).map((e) => [e.type, e.data]);
  t.same(
    events.slice(0, 2).sort(),
    [
      ['ended', { reason: 'reported_by_user' }],
      ['reviewed', { state: 'reported' }],
    ].sort(),
  );
  t.equal((await call(a.app, intruder.token, { method: 'GET', url: '/v1/me/sessions' })).statusCode, 401, 'the token is dead here');
  t.ok(
    await until(async () => (await call(b.app, intruder.token, { method: 'GET', url: '/v1/me/sessions' })).statusCode === 401),
    'and on the other instance',
  );
  const twice = await call(a.app, home.token, { method: 'POST', url: `/v1/me/sessions/${intruder.session.id}/report` });
  t.same([twice.statusCode, twice.json().endedAt], [200, body.endedAt], 'reporting again changes nothing');
  t.equal((await a.eventLog.list(intruder.session.id, 10, null)).length, events.length, 'and writes nothing');

  clock.advance(24 * HOUR);
  const back = await login(a.app, { userId: 'lou', ip: '8.8.8.8', userAgent: IPHONE });
  t.ok(back.session.risk.flags.includes('new_device'), 'a reported device stays unknown');
  t.ok(back.session.risk.flags.includes('new_country'), 'and so does its country');
});

t.test('reporting an ended session keeps its end; services answer for the user under /v1/sessions/{id}/review', async (t) => {
  const { app, eventLog } = await buildTestApp(t);
  // Answering for the user is an operator's call (sessions:admin).
  const token = serviceToken(app, 'sessions:read sessions:write sessions:admin');
  const old = await login(app, { userId: 'sam' });
  await call(app, token, { method: 'DELETE', url: `/v1/sessions/${old.session.id}?reason=admin` });
  const late = await call(app, token, { method: 'POST', url: `/v1/sessions/${old.session.id}/review`, payload: { state: 'reported' } });
  t.same([late.statusCode, late.json().endReason, late.json().review.state], [200, 'admin', 'reported']);
  t.same((await eventLog.list(old.session.id, 10, null)).filter((e) => e.type === 'ended').length, 1, 'no second end');

  const live = await login(app, { userId: 'sam' });
  const confirm = await call(app, token, {
    method: 'POST',
    url: `/v1/sessions/${live.session.id}/review`,
    payload: { state: 'confirmed' },
  });
  t.same([confirm.statusCode, confirm.json().review.state, confirm.json().status], [200, 'confirmed', 'active']);
  t.equal(confirm.json().current, undefined, 'current is for /v1/me only');
  const report = await call(app, token, { method: 'POST', url: `/v1/sessions/${live.session.id}/review`, payload: { state: 'reported' } });
  t.same(
    [report.json().review.state, report.json().endReason],
    ['reported', 'reported_by_user'],
    'a confirmed session can still be reported',
  );
  for (const payload of [{}, { state: 'unreviewed' }, { state: 'confirmed', extra: 1 }]) {
    t.equal(
      (await call(app, token, { method: 'POST', url: `/v1/sessions/${live.session.id}/review`, payload })).statusCode,
      400,
      JSON.stringify(payload),
    );
  }
  for (const scope of ['sessions:read', 'sessions:read sessions:write']) {
    const refused = await call(app, serviceToken(app, scope), {
      method: 'POST',
      url: `/v1/sessions/${live.session.id}/review`,
      payload: { state: 'confirmed' },
    });
    t.equal(refused.statusCode, 403, scope);
  }
});

t.test("another user's session cannot be confirmed or reported: 404 as a missing one, and it is untouched", async (t) => {
  const { app } = await buildTestApp(t);
  const mine = await login(app, { userId: 'dana' });
  const theirs = await login(app, { userId: 'eve' });
  for (const action of ['confirm', 'report']) {
    const foreign = await call(app, mine.token, { method: 'POST', url: `/v1/me/sessions/${theirs.session.id}/${action}` });
    const missing = await call(app, mine.token, { method: 'POST', url: `/v1/me/sessions/0190a000-0000-7000-8000-000000000000/${action}` });
    t.same([foreign.statusCode, { ...foreign.json(), requestId: 0 }], [404, { ...missing.json(), requestId: 0 }], action);
  }
  const still = (await call(app, serviceToken(app), { method: 'GET', url: `/v1/sessions/${theirs.session.id}` })).json();
  t.same([still.status, still.review.state], ['active', 'unreviewed']);
});

t.test("lists filter review=unreviewed with flagged=true: what needs the user's attention", async (t) => {
  const clock = fixedClock();
  const { app } = await buildTestApp(t, { clock });
  const home = await login(app, { userId: 'zoe', ip: '81.2.69.142' });
  clock.advance(24 * HOUR);
  const seen = await login(app, { userId: 'zoe', ip: '8.8.8.8', userAgent: IPHONE });
  const unseen = await login(app, {
    userId: 'zoe',
    ip: '8.8.4.4',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  });
  await call(app, home.token, { method: 'POST', url: `/v1/me/sessions/${seen.session.id}/confirm` });
  const attention = await call(app, home.token, { method: 'GET', url: '/v1/me/sessions?flagged=true&review=unreviewed' });
  t.same(
    attention.json().items.map((s: { id: string }) => s.id),
    [unseen.session.id],
  );
  const confirmed = await call(app, serviceToken(app), { method: 'GET', url: '/v1/users/zoe/sessions?review=confirmed' });
  t.same(
    confirmed.json().items.map((s: { id: string }) => s.id),
    [seen.session.id],
  );
  t.equal((await call(app, home.token, { method: 'GET', url: '/v1/me/sessions?review=maybe' })).statusCode, 400);
});
