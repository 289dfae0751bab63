import t from 'tap';
import { buildApp } from '../src/app.js';
import { createDatabase } from '../src/db/database.js';
import { buildTestApp, call, login, serviceToken, testConfig } from './helper.js';

t.test('healthz, readyz and metrics', async (t) => {
  const { app } = await buildTestApp(t);
  const live = await app.inject({ method: 'GET', url: '/healthz' });
  t.equal(live.statusCode, 200);
  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 200);
  t.equal(ready.json().checks.database, 'ok');
  t.equal(ready.json().checks.revocationFeed, 'ok');
  t.equal(ready.json().checks.geo, 'ok');
  const { session } = await login(app);
  await call(app, serviceToken(app), { method: 'POST', url: `/v1/sessions/${session.id}/heartbeat` });
  const metrics = await app.inject({ method: 'GET', url: '/metrics' });
  t.equal(metrics.statusCode, 200);
  t.match(metrics.headers['content-type'], /text\/plain/);
  t.match(metrics.body, /session_registry_sessions_created_total 1/);
  t.match(metrics.body, /session_registry_heartbeats_total 1/);
  t.match(metrics.body, /session_registry_http_requests_total\{route="\/v1\/sessions",method="POST",status="201"\} 1/);
  t.match(metrics.body, /session_registry_revocation_feed_up 1/);
});

t.test('metrics can be protected by a token', async (t) => {
  const { app } = await buildTestApp(t, { env: { METRICS_TOKEN: 'scrape-me-0123456789' } });
  t.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 401);
  t.equal(
    (await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer scrape-me-0123456789x' } })).statusCode,
    401,
  );
  t.equal(
    (await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer scrape-me-0123456789' } })).statusCode,
    200,
  );
});

t.test('readyz is 503 and API calls are 503 problems while the database is unreachable', async (t) => {
  const url = 'postgres://postgres@127.0.0.1:1/nowhere';
  const handle = createDatabase({ connectionString: url, connectionTimeoutMs: 500 });
  const app = await buildApp({ config: testConfig(url), database: handle, logger: false });
  await app.ready();
  t.teardown(async () => {
    await app.close();
    await handle.close();
  });
  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 503);
  t.equal(ready.json().checks.database, 'unavailable');
  const create = await app.inject({
    method: 'POST',
    url: '/v1/sessions',
    headers: { authorization: `Bearer ${serviceToken(app)}` },
    payload: { userId: 'a' },
  });
  t.equal(create.statusCode, 503);
  t.equal(create.json().code, 'service_unavailable');
  t.equal(create.headers['retry-after'], '1');
  t.notMatch(create.body, /ECONNREFUSED|127\.0\.0\.1/, 'no internals in the body');
  const me = await app.inject({
    method: 'GET',
    url: '/v1/me/sessions',
    headers: { authorization: 'Bearer sr1_0190a0000000700080000000000000000AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
  });
  t.equal(me.statusCode, 503, 'a session that cannot be checked is never treated as valid');
});
