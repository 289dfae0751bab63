import t from 'tap';
import { readFileSync } from 'node:fs';
import { buildTestApp } from '../helper.js';

t.test('GET /ui/session-devices.js serves the element as a cacheable module', async (t) => {
  const { app } = await buildTestApp(t);
  const source = readFileSync(new URL('../../clients/typescript/src/generated/session-devices.js', import.meta.url), 'utf8');
  const first = await app.inject({ method: 'GET', url: '/ui/session-devices.js' });
  t.equal(first.statusCode, 200);
  t.equal(first.headers['content-type'], 'text/javascript; charset=utf-8');
  t.equal(first.body, source, "the client package's built file, byte for byte");
  t.match(first.headers.etag, /^"[A-Za-z0-9_-]{27}"$/);
  t.match(first.headers['cache-control'], /max-age=\d+/);
  t.equal(first.headers['x-content-type-options'], 'nosniff');
  t.equal(first.headers['access-control-allow-origin'], '*', 'loadable as a module from another origin');

  const again = await app.inject({
    method: 'GET',
    url: '/ui/session-devices.js',
    headers: { 'if-none-match': first.headers.etag as string },
  });
  t.equal(again.statusCode, 304);
  t.equal(again.body, '');
  const stale = await app.inject({ method: 'GET', url: '/ui/session-devices.js', headers: { 'if-none-match': '"something-else"' } });
  t.equal(stale.statusCode, 200);

  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
  t.notOk(doc.paths['/ui/session-devices.js'], 'a static file, not an API operation');
});
