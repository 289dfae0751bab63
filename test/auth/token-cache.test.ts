import t from 'tap';
import { createSigner } from 'fast-jwt';
import { buildTestApp, call, TEST_SECRET } from '../helper.js';

const sign = (payload: object) => createSigner({ key: TEST_SECRET, algorithm: 'HS256' })(payload);
const claims = (exp: number, scope: string) => ({ iss: 'session-registry', aud: 'session-registry', exp, scope, sub: 'cache-test' });

t.test('a verified service token is not trusted past its exp, however often it was used', async (t) => {
  const { app } = await buildTestApp(t);
  const realNow = Date.now;
  t.teardown(() => {
    Date.now = realNow;
  });
  const token = sign(claims(Math.floor(realNow() / 1000) + 60, 'sessions:read'));
  for (let i = 0; i < 3; i++) {
    t.equal((await call(app, token, { method: 'GET', url: '/v1/users/alice/sessions' })).statusCode, 200, `use ${i + 1} while valid`);
  }
  // Past exp and past the verifier's clock tolerance: the cached grant must not answer.
  const later = realNow() + 120_000;
  Date.now = () => later;
  const expired = await call(app, token, { method: 'GET', url: '/v1/users/alice/sessions' });
  t.equal(expired.statusCode, 401);
  t.equal(expired.json().code, 'unauthorized');
});

t.test('the cached grant keeps each token to its own scopes', async (t) => {
  const { app } = await buildTestApp(t);
  const exp = Math.floor(Date.now() / 1000) + 600;
  const reader = sign(claims(exp, 'sessions:read'));
  const writer = sign(claims(exp, 'sessions:write'));
  const body = { userId: 'alice', ip: '81.2.69.142', userAgent: 'Mozilla/5.0' };
  for (let i = 0; i < 2; i++) {
    t.equal(
      (await call(app, reader, { method: 'POST', url: '/v1/sessions', payload: body })).statusCode,
      403,
      `reader cannot write (${i + 1})`,
    );
    t.equal((await call(app, writer, { method: 'POST', url: '/v1/sessions', payload: body })).statusCode, 201, `writer writes (${i + 1})`);
    t.equal((await call(app, writer, { method: 'GET', url: '/v1/users/alice/sessions' })).statusCode, 200, `write implies read (${i + 1})`);
    t.equal((await call(app, reader, { method: 'GET', url: '/v1/users/alice/sessions' })).statusCode, 200, `reader reads (${i + 1})`);
  }
  const noScope = sign(claims(exp, ''));
  t.equal((await call(app, noScope, { method: 'GET', url: '/v1/users/alice/sessions' })).statusCode, 403, 'no scope, no access');
});
