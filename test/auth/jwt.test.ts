import t from 'tap';
import { createSigner } from 'fast-jwt';
import { generateKeyPairSync } from 'node:crypto';
import { buildTestApp, call, login, TEST_SECRET } from '../helper.js';

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const good = () => ({
  iss: 'session-registry',
  aud: 'session-registry',
  exp: now() + 600,
  scope: 'sessions:read sessions:write',
  sub: 'x',
});
const hs = (payload: object, key = TEST_SECRET, algorithm: 'HS256' | 'HS512' = 'HS256') => createSigner({ key, algorithm })(payload);

t.test('every forged or incomplete service token is a 401', async (t) => {
  const { app } = await buildTestApp(t);
  const { token: sessionToken } = await login(app);
  const valid = hs(good());
  const [h, p, s] = valid.split('.');
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const attacks: Record<string, string> = {
    'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${p}.`,
    'alg NoNe': `${b64({ alg: 'NoNe', typ: 'JWT' })}.${p}.`,
    tampered: `${h}.${b64({ ...good(), scope: 'sessions:write', sub: 'root' })}.${s}`,
    'wrong secret': hs(good(), 'another-secret-that-is-long-enough-000000'),
    'other HMAC algorithm': hs(good(), TEST_SECRET, 'HS512'),
    'RS256 with a key we never trusted': createSigner({
      key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      algorithm: 'RS256',
    })(good()),
    'HS256 signed with a public key as secret': hs(good(), publicPem),
    'missing iss': hs({ ...good(), iss: undefined }),
    'missing aud': hs({ ...good(), aud: undefined }),
    'missing exp': hs({ ...good(), exp: undefined }),
    'wrong iss': hs({ ...good(), iss: 'someone-else' }),
    'wrong aud': hs({ ...good(), aud: 'another-service' }),
    expired: hs({ ...good(), exp: now() - 60 }),
    'not yet valid': hs({ ...good(), nbf: now() + 600 }),
    garbage: 'not.a.jwt',
    'session token on a service route': sessionToken,
    huge: `${h}.${'A'.repeat(9000)}.${s}`,
  };
  for (const [name, token] of Object.entries(attacks)) {
    const response = await call(app, token, { method: 'GET', url: '/v1/users/alice/sessions' });
    t.equal(response.statusCode, 401, name);
    t.equal(response.json().code, 'unauthorized', name);
  }
  const none = await app.inject({ method: 'GET', url: '/v1/users/alice/sessions' });
  t.equal(none.statusCode, 401, 'no token');
  t.equal(none.headers['www-authenticate'], 'Bearer');
  const basic = await app.inject({ method: 'GET', url: '/v1/users/alice/sessions', headers: { authorization: 'Basic YTpi' } });
  t.equal(basic.statusCode, 401, 'basic auth');
  const ok = await call(app, valid, { method: 'GET', url: '/v1/users/alice/sessions' });
  t.equal(ok.statusCode, 200, 'the genuine token works');
});

t.test('scopes: read cannot write (403); write implies read', async (t) => {
  const { app } = await buildTestApp(t);
  const reader = hs({ ...good(), scope: 'sessions:read' });
  const writer = hs({ ...good(), scope: 'sessions:write' });
  const nothing = hs({ ...good(), scope: 'profile' });
  const create = await call(app, reader, { method: 'POST', url: '/v1/sessions', payload: { userId: 'a' } });
  t.equal(create.statusCode, 403);
  t.equal(create.json().code, 'forbidden');
  t.equal((await call(app, writer, { method: 'GET', url: '/v1/users/a/sessions' })).statusCode, 200);
  t.equal((await call(app, nothing, { method: 'GET', url: '/v1/users/a/sessions' })).statusCode, 403);
  t.equal((await call(app, reader, { method: 'GET', url: '/v1/users/a/sessions' })).statusCode, 200);
});

t.test('/v1/me routes refuse service tokens and bad session tokens', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await login(app);
  const service = hs(good());
  t.equal((await call(app, service, { method: 'GET', url: '/v1/me/sessions' })).statusCode, 401, 'service JWT');
  t.equal((await call(app, `${token}x`, { method: 'GET', url: '/v1/me/sessions' })).statusCode, 401, 'altered token');
  t.equal(
    (await call(app, `${token.slice(0, 20)}${'0'.repeat(16)}${token.slice(36)}`, { method: 'GET', url: '/v1/me/sessions' })).statusCode,
    401,
    'other id',
  );
  t.equal((await app.inject({ method: 'GET', url: '/v1/me/sessions' })).statusCode, 401, 'none');
  t.equal((await call(app, token, { method: 'GET', url: '/v1/me/sessions' })).statusCode, 200, 'genuine');
});
