import t from 'tap';
import { createSigner } from 'fast-jwt';
import { buildTestApp, call, TEST_SECRET } from '../helper.js';

// Security review: clockTolerance was read as milliseconds; service tokens had no maximum lifetime and
// no way to rotate the secret without a hard cut-over.

const PREVIOUS = 'the-previous-secret-which-is-long-enough-01';
const claims = (extra: Record<string, unknown>) => ({
  iss: 'session-registry',
  aud: 'session-registry',
  scope: 'sessions:read',
  sub: 'clock',
  ...extra,
});
const now = () => Math.floor(Date.now() / 1000);
/** A token signed with `key`; `issuedAt` (seconds) sets its iat, null leaves iat out. */
const signWith = (key: string, payload: Record<string, unknown>, issuedAt: number | null = now()) =>
  createSigner({ key, algorithm: 'HS256', noTimestamp: issuedAt === null, clockTimestamp: (issuedAt ?? now()) * 1000 })(payload);

t.test('five seconds of clock skew are tolerated, not five milliseconds', async (t) => {
  const { app } = await buildTestApp(t);
  const read = (token: string) => call(app, token, { method: 'GET', url: '/v1/users/u/sessions' });
  t.equal((await read(signWith(TEST_SECRET, claims({ exp: now() - 2 })))).statusCode, 200, 'expired 2 s ago: within the tolerance');
  t.equal((await read(signWith(TEST_SECRET, claims({ exp: now() - 30 })))).statusCode, 401, 'expired 30 s ago: refused');
  t.equal((await read(signWith(TEST_SECRET, claims({ exp: now() + 60 }), now() + 3))).statusCode, 200, 'issued 3 s in the future');
  t.equal(
    (await read(signWith(TEST_SECRET, claims({ exp: now() + 7200 }), now() + 3600))).statusCode,
    401,
    'issued an hour in the future: it would outlive the maximum age',
  );
});

t.test('iat is required, and a token older than SERVICE_TOKEN_MAX_AGE is refused', async (t) => {
  const { app } = await buildTestApp(t, { env: { SERVICE_TOKEN_MAX_AGE: '1h' } });
  const read = (token: string) => call(app, token, { method: 'GET', url: '/v1/users/u/sessions' });
  t.equal((await read(signWith(TEST_SECRET, claims({ exp: now() + 600 }), null))).statusCode, 401, 'no iat');
  t.equal((await read(signWith(TEST_SECRET, claims({ exp: now() + 86400 }), now() - 7200))).statusCode, 401, 'issued two hours ago');
  t.equal((await read(signWith(TEST_SECRET, claims({ exp: now() + 86400 }), now() - 1800))).statusCode, 200, 'issued half an hour ago');
  t.equal((await read(signWith(TEST_SECRET, claims({ exp: now() + 600 })))).statusCode, 200, 'a fresh token');
});

t.test('during a rotation the previous secret is accepted until the configured moment', async (t) => {
  const until = new Date(Date.now() + 3600_000).toISOString();
  const { app } = await buildTestApp(t, { env: { JWT_PREVIOUS_SECRET: PREVIOUS, JWT_PREVIOUS_KEY_UNTIL: until } });
  const read = (token: string) => call(app, token, { method: 'GET', url: '/v1/users/u/sessions' });
  t.equal((await read(signWith(PREVIOUS, claims({ exp: now() + 600 })))).statusCode, 200, 'the previous secret, within the window');
  t.equal((await read(signWith(TEST_SECRET, claims({ exp: now() + 600 })))).statusCode, 200, 'the current secret');
  t.equal(
    (await read(signWith('an-unrelated-secret-that-is-long-enough-00', claims({ exp: now() + 600 })))).statusCode,
    401,
    'any other secret',
  );
  const past = await buildTestApp(t, {
    env: { JWT_PREVIOUS_SECRET: PREVIOUS, JWT_PREVIOUS_KEY_UNTIL: new Date(Date.now() - 1000).toISOString() },
  });
  t.equal(
    (await call(past.app, signWith(PREVIOUS, claims({ exp: now() + 600 })), { method: 'GET', url: '/v1/users/u/sessions' })).statusCode,
    401,
    'after the window',
  );
});
