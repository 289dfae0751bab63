import t from 'tap';
import { buildTestApp, call, login, serviceToken } from '../helper.js';

// Security review: failed authentications locked out valid credentials from the same address. Now only
// further failed attempts are refused, counted per address (IPv6 by /64) and per credential kind.

const LIMIT = '3';

t.test('past the limit, failed attempts get 429 while valid service and session tokens from that address are served', async (t) => {
  const { app } = await buildTestApp(t, { env: { AUTH_FAILURES_PER_MINUTE: LIMIT } });
  const { token } = await login(app, { userId: 'valid' });
  const from = { remoteAddress: '198.51.100.7' };
  for (let i = 0; i < 3; i++)
    t.equal(
      (await app.inject({ method: 'GET', url: '/v1/me/sessions', ...from, headers: { authorization: 'Bearer sr1_ended' } })).statusCode,
      401,
    );
  const more = await app.inject({ method: 'GET', url: '/v1/me/sessions', ...from, headers: { authorization: 'Bearer sr1_ended' } });
  t.equal(more.statusCode, 429, 'a further failed attempt is refused');
  t.ok(Number(more.headers['retry-after']) > 0, 'with Retry-After');
  const write = await app.inject({
    method: 'POST',
    url: '/v1/sessions',
    ...from,
    headers: { authorization: `Bearer ${serviceToken(app)}` },
    payload: { userId: 'new-user' },
  });
  t.equal(write.statusCode, 201, 'a valid service JWT from the same address still writes');
  const mine = await app.inject({ method: 'GET', url: '/v1/me/sessions', ...from, headers: { authorization: `Bearer ${token}` } });
  t.equal(mine.statusCode, 200, 'a valid session token from the same address is served');
});

t.test('failures of one credential kind do not count against the other', async (t) => {
  const { app } = await buildTestApp(t, { env: { AUTH_FAILURES_PER_MINUTE: LIMIT } });
  const from = { remoteAddress: '198.51.100.8' };
  for (let i = 0; i < 5; i++)
    await app.inject({ method: 'GET', url: '/v1/me/sessions', ...from, headers: { authorization: 'Bearer sr1_polling-tab' } });
  const badJwt = await app.inject({ method: 'GET', url: '/v1/users/x/sessions', ...from, headers: { authorization: 'Bearer not-a-jwt' } });
  t.equal(badJwt.statusCode, 401, 'a first bad service token is still a plain 401');
});

t.test('IPv6 addresses are grouped by /64: hopping inside one prefix does not reset the count', async (t) => {
  const { app } = await buildTestApp(t, { env: { AUTH_FAILURES_PER_MINUTE: LIMIT } });
  const statuses: number[] = [];
  for (let i = 1; i <= 4; i++) {
    const response = await app.inject({
      method: 'GET',
      url: '/v1/me/sessions',
      remoteAddress: `2001:db8:1:2::${i.toString(16)}`,
      headers: { authorization: 'Bearer sr1_guess' },
    });
    statuses.push(response.statusCode);
  }
  t.same(statuses, [401, 401, 401, 429]);
  const neighbour = await app.inject({
    method: 'GET',
    url: '/v1/me/sessions',
    remoteAddress: '2001:db8:1:3::1',
    headers: { authorization: 'Bearer sr1_guess' },
  });
  t.equal(neighbour.statusCode, 401, 'another /64 has its own count');
});

t.test('failed authentications are logged as security events, never with the token, and bounded', async (t) => {
  const lines: string[] = [];
  const { app } = await buildTestApp(t, {
    env: { AUTH_FAILURES_PER_MINUTE: '1000' },
    logStream: { write: (line: string) => void lines.push(line) },
  });
  const secret = 'sr1_0123456789abcdef0123456789abcdefSECRETSECRETSECRETSECRETSECRETSEC';
  for (let i = 0; i < 100; i++)
    t.equal((await call(app, secret, { method: 'GET', url: '/v1/me/sessions', remoteAddress: '203.0.113.9' })).statusCode, 401);
  const events = lines.map((line) => JSON.parse(line)).filter((entry) => entry.event === 'authentication_failed');
  t.equal(events.length, 60, 'at most 60 lines a minute');
  t.match(events[0], { level: 40, address: '203.0.113.9', tokenKind: 'session', reason: 'unknown or ended session' });
  t.notMatch(lines.join('\n'), /sr1_|SECRET/, 'no token in the log');
});
