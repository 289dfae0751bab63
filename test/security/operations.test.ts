import t from 'tap';
import { freePort } from '../../src/db/embedded.js';
import { buildTestApp } from '../helper.js';

// Security review: /metrics was open by default in production and the docs page sent no CSP.

t.test('in production, /metrics is not served on the API port without METRICS_TOKEN', async (t) => {
  const { app } = await buildTestApp(t, { env: { NODE_ENV: 'production' } });
  t.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 404);
});

t.test('in production with METRICS_TOKEN, /metrics needs the token', async (t) => {
  const { app } = await buildTestApp(t, { env: { NODE_ENV: 'production', METRICS_TOKEN: 'scrape-token-0123456789' } });
  t.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 401);
  t.equal(
    (await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'bearer scrape-token-0123456789' } })).statusCode,
    401,
    'compared exactly',
  );
  t.equal(
    (await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer scrape-token-0123456789' } })).statusCode,
    200,
  );
});

t.test('with METRICS_PORT, metrics have a listener of their own and leave the API port', async (t) => {
  const port = await freePort();
  const { app } = await buildTestApp(t, { env: { NODE_ENV: 'production', METRICS_PORT: String(port), METRICS_HOST: '127.0.0.1' } });
  t.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 404, 'not on the API port');
  const scraped = await fetch(`http://127.0.0.1:${port}/metrics`);
  t.equal(scraped.status, 200);
  t.match(await scraped.text(), /session_registry_heartbeats_total/);
  t.equal((await fetch(`http://127.0.0.1:${port}/v1/users/u/sessions`)).status, 404, 'and nothing else there');
});

t.test('the docs page sends a Content-Security-Policy', async (t) => {
  const { app } = await buildTestApp(t);
  const docs = await app.inject({ method: 'GET', url: '/docs/' });
  t.equal(docs.statusCode, 200);
  t.match(docs.headers['content-security-policy'], /default-src 'self'/);
  t.match(docs.headers['content-security-policy'], /script-src 'self'/);
});
