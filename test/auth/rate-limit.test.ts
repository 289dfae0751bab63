import t from 'tap';
import { buildTestApp, call, login } from '../helper.js';

t.test('/v1/me routes are rate limited per session token, with Retry-After', async (t) => {
  const { app } = await buildTestApp(t, { env: { RATE_LIMIT_PER_MINUTE: '5' } });
  const mine = await login(app, { userId: 'rita' });
  const other = await login(app, { userId: 'rita' });
  const statuses: number[] = [];
  for (let i = 0; i < 7; i++) statuses.push((await call(app, mine.token, { method: 'GET', url: '/v1/me/sessions' })).statusCode);
  t.same(statuses, [200, 200, 200, 200, 200, 429, 429]);
  const limited = await call(app, mine.token, { method: 'GET', url: '/v1/me/sessions' });
  t.equal(limited.json().code, 'rate_limited');
  t.equal(limited.headers['content-type'], 'application/problem+json; charset=utf-8');
  t.ok(Number(limited.headers['retry-after']) > 0, 'Retry-After says when');
  t.equal((await call(app, other.token, { method: 'GET', url: '/v1/me/sessions' })).statusCode, 200, 'another session has its own budget');
});

t.test('repeated authentication failures from one address: further failures are refused, good tokens are not', async (t) => {
  const { app } = await buildTestApp(t, { env: { AUTH_FAILURES_PER_MINUTE: '10' } });
  const mine = await login(app, { userId: 'rita' });
  for (let i = 0; i < 10; i++) {
    t.equal((await call(app, 'sr1_guess', { method: 'GET', url: '/v1/me/sessions' })).statusCode, 401);
  }
  const refused = await call(app, 'sr1_guess', { method: 'GET', url: '/v1/me/sessions' });
  t.equal(refused.statusCode, 429, 'the next failed attempt waits');
  t.equal(refused.json().code, 'rate_limited');
  t.ok(Number(refused.headers['retry-after']) > 0);
  t.equal(
    (await call(app, mine.token, { method: 'GET', url: '/v1/me/sessions' })).statusCode,
    200,
    'a good token from that address is served',
  );
});
