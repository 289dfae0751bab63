import t from 'tap';
import pg from 'pg';
import { buildTestApp, call, CHROME_MAC, login, serviceToken } from '../helper.js';

t.test('POST /v1/sessions registers a login and returns the token once', async (t) => {
  const { app, db } = await buildTestApp(t);
  const { session, token } = await login(app, { userId: 'alice', loginMethod: 'password', metadata: { tenant: 'eu' } });
  t.match(token, /^sr1_[0-9a-f]{32}[A-Za-z0-9_-]{43}$/);
  t.match(session.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'uuid v7');
  t.equal(session.userId, 'alice');
  t.equal(session.status, 'active');
  t.equal(session.endedAt, null);
  t.equal(session.ip, '81.2.69.142');
  t.equal(session.browser.name, 'Chrome');
  t.equal(session.os.name, 'macOS');
  t.equal(session.device.type, 'desktop');
  t.equal(session.location?.countryCode, 'GB');
  t.equal(session.loginMethod, 'password');
  t.same(session.metadata, { tenant: 'eu' });
  t.same(session.activity, { pageViews: 0, heartbeats: 0 });
  t.notOk('token' in session, 'the session resource never carries the token');

  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  t.teardown(() => client.end());
  const { rows } = await client.query('select encode(token_hash, $2) as hash, row_to_json(s)::text as raw from sessions s where id = $1', [
    session.id,
    'hex',
  ]);
  t.equal(rows[0].hash.length, 64, 'a SHA-256 hash is stored');
  t.notOk(rows[0].raw.includes(token.slice(36)), 'the token itself is stored nowhere');
});

t.test('IPv4-mapped IPv6 is shown as IPv4; private addresses have no location', async (t) => {
  const { app } = await buildTestApp(t);
  const mapped = await login(app, { ip: '::ffff:81.2.69.142' });
  t.equal(mapped.session.ip, '81.2.69.142');
  const lan = await login(app, { ip: '192.168.1.20' });
  t.equal(lan.session.ip, '192.168.1.20');
  t.equal(lan.session.location, null);
  const none = await login(app, { ip: undefined, userAgent: undefined });
  t.equal(none.session.ip, null);
  t.equal(none.session.device.type, 'unknown');
});

t.test('bad input is a 400 problem with the field named', async (t) => {
  const { app } = await buildTestApp(t);
  const auth = `Bearer ${serviceToken(app)}`;
  const cases: Array<[string, unknown, RegExp]> = [
    ['missing userId', {}, /userId/],
    ['userId over 128 characters', { userId: 'x'.repeat(129) }, /userId/],
    ['empty userId', { userId: '' }, /userId/],
    ['bad ip', { userId: 'a', ip: '999.1.1.1' }, /ip/],
    ['ip with port', { userId: 'a', ip: '1.2.3.4:80' }, /ip/],
    ['host name as ip', { userId: 'a', ip: 'example.com' }, /ip/],
    ['unknown field', { userId: 'a', isAdmin: true }, /isAdmin/],
    ['negative idle timeout', { userId: 'a', idleTimeoutSeconds: -1 }, /idleTimeoutSeconds/],
    ['metadata not an object', { userId: 'a', metadata: 'x' }, /metadata/],
    ['metadata too big', { userId: 'a', metadata: { blob: 'x'.repeat(5000) } }, /metadata/],
    ['client kind unknown', { userId: 'a', client: { kind: 'spaceship' } }, /client/],
  ];
  for (const [name, payload, field] of cases) {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/sessions',
      headers: { authorization: auth },
      payload: payload as object,
    });
    t.equal(response.statusCode, 400, name);
    t.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8', `${name}: problem+json`);
    const body = response.json();
    t.equal(body.code, 'validation_failed', name);
    t.match(body.detail, field, `${name}: names the field`);
    t.ok(body.requestId, `${name}: has a request id`);
  }
});

t.test('broken JSON, other media types and oversized bodies', async (t) => {
  const { app } = await buildTestApp(t);
  const authorization = `Bearer ${serviceToken(app)}`;
  const broken = await app.inject({
    method: 'POST',
    url: '/v1/sessions',
    headers: { authorization, 'content-type': 'application/json' },
    payload: '{"userId": "a",',
  });
  t.equal(broken.statusCode, 400);
  t.equal(broken.json().code, 'validation_failed');
  const text = await app.inject({
    method: 'POST',
    url: '/v1/sessions',
    headers: { authorization, 'content-type': 'text/plain' },
    payload: 'userId=a',
  });
  t.equal(text.statusCode, 415);
  t.equal(text.json().code, 'unsupported_media_type');
  const form = await app.inject({
    method: 'POST',
    url: '/v1/sessions',
    headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'userId=a',
  });
  t.equal(form.statusCode, 415);
  const huge = await app.inject({
    method: 'POST',
    url: '/v1/sessions',
    headers: { authorization, 'content-type': 'application/json' },
    payload: JSON.stringify({ userId: 'a', userAgent: 'x'.repeat(70000) }),
  });
  t.equal(huge.statusCode, 413);
  t.equal(huge.json().code, 'payload_too_large');
  const responseText = broken.body + text.body + huge.body;
  t.notMatch(responseText, /at [A-Za-z]+ \(|node_modules|SELECT|INSERT/i, 'no stack trace or SQL in responses');
});

t.test('per-session lifetimes override the defaults', async (t) => {
  const { app } = await buildTestApp(t);
  const { session } = await login(app, { idleTimeoutSeconds: 600, maxAgeSeconds: 3600 });
  const created = Date.parse(session.createdAt);
  t.equal(Date.parse(session.expiresAt) - created, 600 * 1000);
  const { session: other } = await login(app, { idleTimeoutSeconds: 7200, maxAgeSeconds: 3600 });
  t.equal(Date.parse(other.expiresAt) - Date.parse(other.createdAt), 3600 * 1000, 'the earlier of idle and absolute expiry');
});

t.test('GET /v1/sessions/{id}: 200, 404 for unknown, 400 for a malformed id', async (t) => {
  const { app } = await buildTestApp(t);
  const { session } = await login(app);
  const token = serviceToken(app, 'sessions:read');
  const found = await call(app, token, { method: 'GET', url: `/v1/sessions/${session.id}` });
  t.equal(found.statusCode, 200);
  t.equal(found.json().id, session.id);
  t.equal(found.json().userAgent, CHROME_MAC);
  const missing = await call(app, token, { method: 'GET', url: '/v1/sessions/0190a000-0000-7000-8000-000000000000' });
  t.equal(missing.statusCode, 404);
  t.equal(missing.json().code, 'session_not_found');
  const malformed = await call(app, token, { method: 'GET', url: '/v1/sessions/not-a-uuid' });
  t.equal(malformed.statusCode, 400);
  t.equal(malformed.json().code, 'validation_failed');
});
