import t from 'tap';
import { buildTestApp, call, fixedClock, login, serviceToken } from '../helper.js';

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const HOUR = 3600 * 1000;

// Trust at the edges: alice's laptop signs in from GB; someone signs in as alice from the US on a
// phone (flagged new_country, new_device). The US session must not be able to vouch for itself,
// nor sign the laptop out or report it while it is new.

async function aliceAndIntruder(t: { teardown(fn: () => unknown): void }, env: Record<string, string> = {}) {
  const clock = fixedClock();
  const built = await buildTestApp(t, { clock, env });
  const laptop = await login(built.app, { userId: 'alice', ip: '81.2.69.142' });
  clock.advance(HOUR);
  const intruder = await login(built.app, { userId: 'alice', ip: '8.8.8.8', userAgent: IPHONE });
  return { ...built, clock, laptop, intruder };
}

const problem = (response: { statusCode: number; headers: Record<string, unknown>; json(): Record<string, unknown> }) => [
  response.statusCode,
  String(response.headers['content-type']).split(';')[0],
  response.json().code,
];

t.test('a flagged, unreviewed session cannot confirm itself, young or old; another device or the service can', async (t) => {
  const { app, clock, laptop, intruder, eventLog } = await aliceAndIntruder(t);
  t.ok(
    intruder.session.risk.flags.includes('new_country') && intruder.session.risk.flags.includes('new_device'),
    'the US session is flagged',
  );
  const self = await call(app, intruder.token, { method: 'POST', url: `/v1/me/sessions/${intruder.session.id}/confirm` });
  t.same(problem(self), [403, 'application/problem+json', 'confirm_from_another_device']);
  const attention = await call(app, laptop.token, { method: 'GET', url: '/v1/me/sessions?flagged=true&review=unreviewed' });
  t.same(
    attention.json().items.map((s: { id: string }) => s.id),
    [intruder.session.id],
    "it still needs the owner's attention",
  );
  t.same(
    (await eventLog.list(intruder.session.id, 10, null)).filter((e) => e.type === 'reviewed'),
    [],
    'and no event was written',
  );

  clock.advance(25 * HOUR);
  const later = await call(app, intruder.token, { method: 'POST', url: `/v1/me/sessions/${intruder.session.id}/confirm` });
  t.same(problem(later), [403, 'application/problem+json', 'confirm_from_another_device'], 'past SESSION_TRUST_AFTER it still cannot');
  const next = await login(app, { userId: 'alice', ip: '8.8.8.8', userAgent: IPHONE });
  t.ok(
    next.session.risk.flags.includes('new_country') && next.session.risk.flags.includes('new_device'),
    'the next US login is still flagged new',
  );

  const byLaptop = await call(app, laptop.token, { method: 'POST', url: `/v1/me/sessions/${intruder.session.id}/confirm` });
  t.same([byLaptop.statusCode, byLaptop.json().review.state], [200, 'confirmed'], 'the laptop confirms it');
  const reviewed = (await eventLog.list(intruder.session.id, 10, null)).filter((e) => e.type === 'reviewed');
  t.same(
    reviewed.map((e) => e.actor),
    [`user:${laptop.session.id}`],
    'the event names the confirming session',
  );
  const now = await call(app, intruder.token, { method: 'POST', url: `/v1/me/sessions/${intruder.session.id}/confirm` });
  t.same([now.statusCode, now.json().review.state], [200, 'confirmed'], 'once confirmed, confirming itself again changes nothing');

  const byService = await call(app, serviceToken(app, 'sessions:admin'), {
    method: 'POST',
    url: `/v1/sessions/${next.session.id}/review`,
    payload: { state: 'confirmed' },
  });
  t.same(
    [byService.statusCode, byService.json().review.state],
    [200, 'confirmed'],
    'a backend that did a step-up confirms through the service route',
  );
  t.same(
    (await eventLog.list(next.session.id, 10, null)).filter((e) => e.type === 'reviewed').map((e) => e.actor),
    ['service:test-backend'],
  );
});

t.test('a flagged, unreviewed session younger than SESSION_TRUST_AFTER cannot report or confirm other sessions', async (t) => {
  const { app, clock, laptop, intruder, rows } = await aliceAndIntruder(t);
  const second = await login(app, { userId: 'alice', ip: '8.8.4.4', userAgent: IPHONE });
  const trustedFrom = new Date(Date.parse(intruder.session.createdAt) + 24 * HOUR).toISOString();
  for (const [action, target] of [
    ['report', laptop],
    ['confirm', second],
  ] as const) {
    const refused = await call(app, intruder.token, { method: 'POST', url: `/v1/me/sessions/${target.session.id}/${action}` });
    t.same(problem(refused), [403, 'application/problem+json', 'session_not_yet_trusted'], action);
    t.equal(refused.json().trustedFrom, trustedFrom, 'the answer says from when');
  }
  const laptopRow = await rows.findById(laptop.session.id);
  t.same([laptopRow?.ended_at, laptopRow?.review_state], [null, 'unreviewed'], 'the laptop is untouched');
  t.equal((await rows.findById(second.session.id))?.review_state, 'unreviewed');
  const foreign = await login(app, { userId: 'bob' });
  t.equal(
    (await call(app, intruder.token, { method: 'POST', url: `/v1/me/sessions/${foreign.session.id}/report` })).statusCode,
    404,
    "another user's session is still a 404",
  );
  t.equal((await call(app, intruder.token, { method: 'GET', url: '/v1/me/sessions' })).statusCode, 200, 'it can still read its list');

  clock.set(new Date(Date.parse(trustedFrom) - 1));
  t.equal(
    (await call(app, intruder.token, { method: 'POST', url: `/v1/me/sessions/${second.session.id}/confirm` })).statusCode,
    403,
    'a moment before the period ends',
  );
  clock.set(new Date(trustedFrom));
  const confirmed = await call(app, intruder.token, { method: 'POST', url: `/v1/me/sessions/${second.session.id}/confirm` });
  t.same([confirmed.statusCode, confirmed.json().review.state], [200, 'confirmed'], 'once the period has passed it can');
});

t.test('a session another device confirmed may act on others at once', async (t) => {
  const { app, laptop, intruder } = await aliceAndIntruder(t);
  const second = await login(app, { userId: 'alice', ip: '8.8.4.4', userAgent: IPHONE });
  t.equal((await call(app, laptop.token, { method: 'POST', url: `/v1/me/sessions/${intruder.session.id}/confirm` })).statusCode, 200);
  const reported = await call(app, intruder.token, { method: 'POST', url: `/v1/me/sessions/${second.session.id}/report` });
  t.same([reported.statusCode, reported.json().review.state], [200, 'reported']);
});

t.test('a report is final for the user; only the service changes it, and the change is an event naming it', async (t) => {
  const { app, clock, laptop, intruder, eventLog, rows } = await aliceAndIntruder(t);
  t.equal((await call(app, laptop.token, { method: 'POST', url: `/v1/me/sessions/${intruder.session.id}/report` })).statusCode, 200);
  const events = (await eventLog.list(intruder.session.id, 20, null)).length;
  clock.advance(25 * HOUR);
  const back = await login(app, { userId: 'alice', ip: '8.8.8.8', userAgent: IPHONE });
  clock.advance(25 * HOUR);
  for (const [who, token] of [
    ['the trusted laptop', laptop.token],
    ["the attacker's next session, past its period", back.token],
  ] as const) {
    const flip = await call(app, token, { method: 'POST', url: `/v1/me/sessions/${intruder.session.id}/confirm` });
    t.same(problem(flip), [409, 'application/problem+json', 'report_is_final'], who);
  }
  t.equal((await rows.findById(intruder.session.id))?.review_state, 'reported', 'still reported');
  t.equal((await eventLog.list(intruder.session.id, 20, null)).length, events, 'and nothing was written');
  const again = await call(app, laptop.token, { method: 'POST', url: `/v1/me/sessions/${intruder.session.id}/report` });
  t.same([again.statusCode, again.json().review.state], [200, 'reported'], 'reporting it again is still a no-op');

  const override = await call(app, serviceToken(app, 'sessions:admin'), {
    method: 'POST',
    url: `/v1/sessions/${intruder.session.id}/review`,
    payload: { state: 'confirmed' },
  });
  t.same(
    [override.statusCode, override.json().review.state, override.json().status],
    [200, 'confirmed', 'ended'],
    'the service may change a report',
  );
  const [last] = await eventLog.list(intruder.session.id, 1, null);
  t.same(
    [last.type, last.actor, last.data],
    ['reviewed', 'service:test-backend', { state: 'confirmed' }],
    'the change is an event with the service as actor',
  );
  const seen = await call(app, laptop.token, { method: 'GET', url: `/v1/me/sessions/${intruder.session.id}/events` });
  t.same([seen.json().items[0].type, seen.json().items[0].actor], ['reviewed', 'service'], 'the user sees that the service changed it');
  const reReport = await call(app, laptop.token, { method: 'POST', url: `/v1/me/sessions/${intruder.session.id}/report` });
  t.same([reReport.statusCode, reReport.json().review.state], [200, 'reported'], 'confirmed → reported stays open to the user');
});

t.test('bad input to the routes these rules guard is a 4xx problem, whoever asks', async (t) => {
  const { app, laptop, intruder } = await aliceAndIntruder(t);
  for (const token of [laptop.token, intruder.token]) {
    for (const request of [
      { method: 'POST', url: '/v1/me/sessions/not-a-uuid/confirm' },
      { method: 'POST', url: '/v1/me/sessions/not-a-uuid/report' },
      { method: 'DELETE', url: '/v1/me/sessions/not-a-uuid' },
      { method: 'POST', url: '/v1/me/sessions/revoke-others', headers: { 'content-type': 'application/json' }, payload: '{"broken' },
      { method: 'POST', url: `/v1/me/sessions/${laptop.session.id}/confirm`, headers: { 'content-type': 'text/plain' }, payload: 'x' },
    ] as const) {
      const response = await call(app, token, request);
      t.ok(response.statusCode >= 400 && response.statusCode < 500, `${request.method} ${request.url}: ${response.statusCode}`);
      t.match(response.headers['content-type'], /^application\/problem\+json/);
      t.type(response.json().code, 'string');
    }
  }
  const review = await call(app, serviceToken(app, 'sessions:admin'), {
    method: 'POST',
    url: `/v1/sessions/${intruder.session.id}/review`,
    payload: { state: 'maybe' },
  });
  t.same([review.statusCode, review.json().code], [400, 'validation_failed']);
});
