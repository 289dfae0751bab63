import t from 'tap';
import Fastify from 'fastify';
import { createRegistryClient } from '../../clients/typescript/src/index.js';
import { sessionRegistry } from '../../clients/typescript/src/fastify.js';
import { startRegistry, USER_AGENTS } from './support/registry.js';

type Teardown = Parameters<typeof startRegistry>[0];

/** A backend with the helper, on a real registry. */
async function backend(t: Teardown, registryUrl?: string) {
  const registry = await startRegistry(t);
  const client = createRegistryClient({ baseUrl: registryUrl ?? registry.url, token: registry.token, retries: 0, timeoutMs: 2000 });
  const app = Fastify();
  await app.register(sessionRegistry, {
    client,
    apiPrefix: '/account/api/me',
    shouldCheck: (request) => !request.url?.startsWith('/assets/'),
  });
  app.get('/assets/site.css', async (request) => ({ checked: request.registrySession !== null }));
  app.post<{ Body: { user: string } }>('/login', async (request, reply) => {
    const { session } = await reply.signIn({ userId: request.body.user, loginMethod: 'password' });
    return { id: session.id };
  });
  app.post('/logout', async (_request, reply) => {
    await reply.signOut();
    return { ok: true };
  });
  app.get('/page', async (request) => ({ session: request.registrySession }));
  t.teardown(() => app.close());
  const service = createRegistryClient({ baseUrl: registry.url, token: registry.token });
  return { app, registry, service };
}

const cookieOf = (setCookie: string | string[] | undefined) => {
  const value = Array.isArray(setCookie) ? setCookie.join('\n') : (setCookie ?? '');
  return /sr_session=([^;]*)/.exec(value)?.[1] ?? null;
};
const html = { accept: 'text/html,application/xhtml+xml', 'user-agent': USER_AGENTS.chromeMac };

t.test('sign-in registers the browser and keeps the token in an HttpOnly cookie', async (t) => {
  const { app, service } = await backend(t);
  const response = await app.inject({
    method: 'POST',
    url: '/login',
    remoteAddress: '81.2.69.142',
    headers: { 'user-agent': USER_AGENTS.chromeMac, 'sec-ch-ua-platform': '"macOS"', 'sec-ch-ua-platform-version': '"14.5.0"' },
    payload: { user: 'alice' },
  });
  t.equal(response.statusCode, 200);
  const setCookie = String(response.headers['set-cookie']);
  t.match(setCookie, /^sr_session=sr1_[A-Za-z0-9_-]+; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
  const session = await service.getSession(response.json().id);
  t.equal(session.ip, '81.2.69.142', "the browser's address");
  t.equal(session.location?.countryCode, 'GB');
  t.equal(session.userAgent, USER_AGENTS.chromeMac);
  t.equal(session.os.version, '14.5', 'client hints reached the registry');
  t.equal(session.loginMethod, 'password');
});

t.test('each request is checked through the heartbeat: a page view counts, other requests do not', async (t) => {
  const { app, service } = await backend(t);
  const login = await app.inject({ method: 'POST', url: '/login', headers: html, payload: { user: 'bob' } });
  const cookie = `sr_session=${cookieOf(login.headers['set-cookie'])}`;
  const id = login.json().id as string;

  const page = await app.inject({ method: 'GET', url: '/page', headers: { ...html, cookie }, remoteAddress: '8.8.8.8' });
  t.equal(page.statusCode, 200);
  t.same(page.json().session, { id, userId: 'bob', expiresAt: page.json().session.expiresAt });
  const xhr = await app.inject({ method: 'GET', url: '/page', headers: { accept: 'application/json', cookie } });
  t.equal(xhr.json().session.id, id);
  const seen = await service.getSession(id);
  t.same(seen.activity, { pageViews: 1, heartbeats: 2 }, 'one page view, two checks');
  t.equal(seen.ip, '127.0.0.1', 'the latest request came from 127.0.0.1');
  const events = await service.listSessionEvents(id);
  t.ok(
    events.items.some((e) => e.type === 'ip_changed' && (e.data as { to?: string }).to === '8.8.8.8'),
    "the page view's address was recorded",
  );

  const anonymous = await app.inject({ method: 'GET', url: '/page', headers: html });
  t.equal(anonymous.json().session, null);

  const asset = await app.inject({ method: 'GET', url: '/assets/site.css', headers: { cookie } });
  t.equal(asset.json().checked, false, 'shouldCheck leaves static files out');
  t.same((await service.getSession(id)).activity, { pageViews: 1, heartbeats: 2 }, 'no call for them');
});

t.test('an ended session is signed out: the cookie is cleared', async (t) => {
  const { app, service } = await backend(t);
  const login = await app.inject({ method: 'POST', url: '/login', headers: html, payload: { user: 'carol' } });
  const cookie = `sr_session=${cookieOf(login.headers['set-cookie'])}`;
  await service.endSession(login.json().id, { reason: 'password_change' });
  const page = await app.inject({ method: 'GET', url: '/page', headers: { ...html, cookie } });
  t.equal(page.json().session, null);
  t.match(String(page.headers['set-cookie']), /^sr_session=; Path=\/; Max-Age=0; HttpOnly; Secure; SameSite=Lax$/);
  const api = await app.inject({ method: 'GET', url: '/account/api/me/sessions', headers: { cookie } });
  t.equal(api.statusCode, 401);
  t.equal(api.json().code, 'unauthorized');
  t.match(String(api.headers['set-cookie']), /Max-Age=0/);
});

t.test('sign-out ends the session with reason logout and clears the cookie', async (t) => {
  const { app, service } = await backend(t);
  const login = await app.inject({ method: 'POST', url: '/login', headers: html, payload: { user: 'dana' } });
  const cookie = `sr_session=${cookieOf(login.headers['set-cookie'])}`;
  const out = await app.inject({ method: 'POST', url: '/logout', headers: { cookie } });
  t.equal(out.statusCode, 200);
  t.match(String(out.headers['set-cookie']), /Max-Age=0/);
  t.equal((await service.getSession(login.json().id)).endReason, 'logout');
  const again = await app.inject({ method: 'POST', url: '/logout', headers: { cookie } });
  t.equal(again.statusCode, 200, 'signing out a signed-out browser is not an error');
});

t.test("the account page's calls reach /v1/me with the cookie's token; cross-site writes are refused", async (t) => {
  const { app, service } = await backend(t);
  const login = await app.inject({ method: 'POST', url: '/login', headers: html, payload: { user: 'erik' } });
  const cookie = `sr_session=${cookieOf(login.headers['set-cookie'])}`;
  const other = await service.createSession({ userId: 'erik', ip: '8.8.8.8' });
  const stranger = await service.createSession({ userId: 'mallory' });

  const list = await app.inject({ method: 'GET', url: '/account/api/me/sessions?status=active&limit=10', headers: { cookie } });
  t.equal(list.statusCode, 200);
  t.equal(list.headers['cache-control'], 'no-store');
  t.same(
    list
      .json()
      .items.map((s: { id: string; current: boolean }) => [s.id, s.current])
      .sort(),
    [
      [login.json().id, true],
      [other.session.id, false],
    ].sort(),
  );

  const url = `/account/api/me/sessions/${other.session.id}`;
  const noOrigin = await app.inject({ method: 'DELETE', url, headers: { cookie } });
  t.equal(noOrigin.statusCode, 403, 'no Origin and no Sec-Fetch-Site: refused');
  const crossSite = await app.inject({ method: 'DELETE', url, headers: { cookie, 'sec-fetch-site': 'cross-site' } });
  t.equal(crossSite.statusCode, 403);
  const otherOrigin = await app.inject({
    method: 'DELETE',
    url,
    headers: { cookie, origin: 'https://evil.example', host: 'accounts.example' },
  });
  t.equal(otherOrigin.statusCode, 403);
  t.equal((await service.getSession(other.session.id)).status, 'active', 'nothing was ended by refused calls');

  const ended = await app.inject({
    method: 'DELETE',
    url,
    headers: { cookie, origin: 'https://accounts.example', host: 'accounts.example' },
  });
  t.equal(ended.statusCode, 200);
  t.equal(ended.json().endReason, 'revoked_by_user');
  const foreign = await app.inject({
    method: 'DELETE',
    url: `/account/api/me/sessions/${stranger.session.id}`,
    headers: { cookie, 'sec-fetch-site': 'same-origin' },
  });
  t.equal(foreign.statusCode, 404, "another user's session stays out of reach");
  const current = await app.inject({
    method: 'DELETE',
    url: `/account/api/me/sessions/${login.json().id}`,
    headers: { cookie, 'sec-fetch-site': 'same-origin' },
  });
  t.equal(current.statusCode, 409);
  t.equal(current.headers['content-type'], 'application/problem+json; charset=utf-8');

  const escape = await app.inject({ method: 'GET', url: '/account/api/me/%2e%2e/%2e%2e/v1/users/mallory/sessions', headers: { cookie } });
  t.equal(escape.statusCode, 404, 'no way out of /v1/me');
  const anonymous = await app.inject({ method: 'GET', url: '/account/api/me/sessions' });
  t.equal(anonymous.statusCode, 401);
});

t.test('when the registry cannot be reached, a request with a cookie fails closed', async (t) => {
  const { app } = await backend(t, 'http://127.0.0.1:1');
  const page = await app.inject({
    method: 'GET',
    url: '/page',
    headers: { ...html, cookie: 'sr_session=sr1_00000000000000000000000000000000AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
  });
  t.equal(page.statusCode, 503);
  t.equal(page.headers['retry-after'], '5');
  const api = await app.inject({
    method: 'GET',
    url: '/account/api/me/sessions',
    headers: { cookie: `sr_session=sr1_${'0'.repeat(32)}${'A'.repeat(43)}` },
  });
  t.equal(api.statusCode, 503);
  t.equal(api.json().code, 'service_unavailable');
});
