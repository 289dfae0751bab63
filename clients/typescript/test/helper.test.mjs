// The backend session helper's rules that need no registry: the path it recognises, the cookie's
// form and name. Runs on the built package (`npm run build` first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSessionHelper, isSessionTokenForm, normalPath } from '../dist/helper/core.js';

const TOKEN = `sr1_${'0123456789abcdef'.repeat(2)}${'A'.repeat(43)}`;
/** A client that must not be called: a test fails if the helper sends anything. */
const silentClient = new Proxy({}, { get: (_target, name) => () => assert.fail(`the registry was called (${String(name)})`) });

test('an encoded spelling of the API prefix is an API request, answered 404 without a call', async () => {
  const helper = createSessionHelper({ client: silentClient });
  assert.equal(normalPath('/account/api/m%65/sessions'), '/account/api/me/sessions');
  assert.equal(normalPath('/account//api/./me/x/../sessions'), '/account/api/me/sessions');
  for (const url of ['/account/api/m%65/sessions', '/account/%61pi/me/sessions?status=active', '/account//api/me/sessions']) {
    assert.equal(helper.apiPath(url), null, url);
    assert.equal(helper.isApiRequest(url), true, url);
    const answer = await helper.forward({ method: 'GET', url, headers: {} }, helper.apiPath(url), TOKEN, undefined);
    assert.equal(answer.status, 404, url);
    assert.equal(JSON.parse(answer.body).code, 'not_found');
  }
  assert.equal(helper.isApiRequest('/account/api/meta'), false);
  assert.equal(helper.isApiRequest('/account/page'), false);
});

test('a cookie that is not of the session-token form is signed out and cleared, never sent', async () => {
  const helper = createSessionHelper({ client: silentClient, cookie: { name: 'sid' } });
  for (const value of ['sr1_x\r\nx-injected: 1', 'x', 'sr1_', TOKEN.slice(0, -1), TOKEN.toUpperCase()]) {
    assert.equal(isSessionTokenForm(value), false, JSON.stringify(value));
    assert.equal(await helper.validate(value, { headers: {} }), null);
    const answer = await helper.forward(
      { method: 'GET', url: '/account/api/me/sessions', headers: {} },
      { path: '/sessions', query: '' },
      value,
      undefined,
    );
    assert.equal(answer.status, 401);
    assert.match(answer.headers['set-cookie'], /^sid=; Path=\/; Max-Age=0;/);
  }
  assert.equal(isSessionTokenForm(TOKEN), true);
  assert.equal(helper.tokenOf({ headers: { cookie: 'sid=sr1_x%0D%0Ax-injected:%201' } }), 'sr1_x\r\nx-injected: 1');
});

test('the default cookie name: __Host-sr_session over https, sr_session over plain http', () => {
  const helper = createSessionHelper({ client: silentClient });
  const https = { headers: {}, protocol: 'https' };
  const tls = { headers: {}, socket: { encrypted: true } };
  const http = { headers: {}, protocol: 'http' };
  assert.equal(helper.cookieName(https), '__Host-sr_session');
  assert.equal(helper.cookieName(tls), '__Host-sr_session');
  assert.equal(helper.cookieName(http), 'sr_session');
  assert.equal(helper.cookieName({ headers: {} }), 'sr_session');
  assert.equal(helper.sessionCookie(TOKEN, https), `__Host-sr_session=${TOKEN}; Path=/; HttpOnly; Secure; SameSite=Lax`);
  assert.equal(helper.tokenOf({ ...https, headers: { cookie: `sr_session=x; __Host-sr_session=${TOKEN}` } }), TOKEN);
  assert.equal(
    createSessionHelper({ client: silentClient, cookie: { domain: 'example.test' } }).cookieName(https),
    'sr_session',
    'no __Host- with a Domain',
  );
  assert.equal(
    createSessionHelper({ client: silentClient, cookie: { secure: false } }).cookieName(https),
    'sr_session',
    'no __Host- without Secure',
  );
  assert.equal(createSessionHelper({ client: silentClient, cookie: { name: 'sid' } }).cookieName(https), 'sid', 'a chosen name is kept');
});
