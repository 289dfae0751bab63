import t from 'tap';
import Fastify from 'fastify';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRegistryClient } from '../../clients/typescript/src/index.js';
import { sessionRegistry } from '../../clients/typescript/src/fastify.js';
import { createSessionMiddleware, type SessionRequest } from '../../clients/typescript/src/node.js';
import type { SessionCookieOptions } from '../../clients/typescript/src/helper/core.js';
import { startRegistry } from './support/registry.js';

// A cookie whose value is not of a session token's form is a signed-out browser (the cookie is
// cleared), never a registry failure; and the default cookie name is __Host-sr_session over https.

const MALFORMED = 'sr1_x%0D%0Ax-injected:%201';
const html = { accept: 'text/html' };

async function fastifyBackend(t: Parameters<typeof startRegistry>[0], cookie?: SessionCookieOptions) {
  const registry = await startRegistry(t);
  const service = createRegistryClient({ baseUrl: registry.url, token: registry.token });
  // trustProxy: the TLS ends at a proxy that says so in X-Forwarded-Proto (request.protocol).
  const app = Fastify({ trustProxy: true });
  await app.register(sessionRegistry, { client: service, cookie });
  app.get('/page', async (request) => ({ session: request.registrySession }));
  app.post('/login', async (_request, reply) => ({ id: (await reply.signIn({ userId: 'cookie-user' })).session.id }));
  app.post('/logout', async (_request, reply) => (await reply.signOut(), { ok: true }));
  t.teardown(() => app.close());
  return { app, service };
}

t.test('Fastify: a malformed session cookie is signed out, page after page, not a 503', async (t) => {
  const { app } = await fastifyBackend(t);
  for (let i = 0; i < 2; i++) {
    const page = await app.inject({ method: 'GET', url: '/page', headers: { ...html, cookie: `sr_session=${MALFORMED}` } });
    t.equal(page.statusCode, 200);
    t.same(page.json(), { session: null });
    t.match(
      String(page.headers['set-cookie']),
      /^sr_session=; Path=\/; Max-Age=0; HttpOnly; Secure; SameSite=Lax$/,
      'the cookie is cleared',
    );
    t.notOk(page.headers['x-injected'], 'nothing of it reaches a header');
  }
  for (const value of ['x', 'sr1_', `sr1_${'0'.repeat(32)}${'A'.repeat(42)}`, `sr1_${'G'.repeat(32)}${'A'.repeat(43)}`]) {
    const page = await app.inject({ method: 'GET', url: '/page', headers: { ...html, cookie: `sr_session=${value}` } });
    t.equal(page.statusCode, 200, value);
    t.match(String(page.headers['set-cookie']), /^sr_session=; /, `${value}: cleared`);
  }
  const api = await app.inject({ method: 'GET', url: '/account/api/me/sessions', headers: { cookie: `sr_session=${MALFORMED}` } });
  t.equal(api.statusCode, 401, "the page's call: signed out");
  t.equal(api.json().code, 'unauthorized');
  t.match(String(api.headers['set-cookie']), /^sr_session=; /);
  const out = await app.inject({ method: 'POST', url: '/logout', headers: { cookie: `sr_session=${MALFORMED}` } });
  t.equal(out.statusCode, 200, 'signing out a malformed cookie just clears it');
});

t.test('node:http: a malformed session cookie is signed out, not a 503', async (t) => {
  const registry = await startRegistry(t);
  const service = createRegistryClient({ baseUrl: registry.url, token: registry.token });
  const sessions = createSessionMiddleware({ client: service, cookie: { name: 'sid', secure: false } });
  const server = createServer((req: SessionRequest, res) => {
    sessions.middleware(req, res, (error?: unknown) => {
      res
        .writeHead(error ? 503 : 200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ session: req.registrySession ?? null }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (let i = 0; i < 2; i++) {
    const page = await fetch(`${base}/home`, { headers: { ...html, cookie: `sid=${MALFORMED}` } });
    t.equal(page.status, 200);
    t.same(await page.json(), { session: null });
    t.match(page.headers.get('set-cookie') ?? '', /^sid=; Path=\/; Max-Age=0; HttpOnly; SameSite=Lax$/);
  }
  const api = await fetch(`${base}/account/api/me/sessions`, { headers: { cookie: `sid=${MALFORMED}` } });
  t.equal(api.status, 401);
  t.match(api.headers.get('set-cookie') ?? '', /^sid=; /);
});

t.test('the default cookie name is __Host-sr_session over https, sr_session over plain http', async (t) => {
  const { app, service } = await fastifyBackend(t);
  const https = { 'x-forwarded-proto': 'https' };
  const login = await app.inject({ method: 'POST', url: '/login', headers: https });
  const setCookie = String(login.headers['set-cookie']);
  t.match(
    setCookie,
    /^__Host-sr_session=sr1_[A-Za-z0-9_-]+; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
    'Secure, Path=/, no Domain: what __Host- needs',
  );
  const cookie = setCookie.split(';')[0];
  const id = login.json().id as string;
  t.equal(
    (await app.inject({ method: 'GET', url: '/page', headers: { ...https, ...html, cookie } })).json().session.id,
    id,
    'read back over https',
  );
  const plain = await app.inject({ method: 'GET', url: '/page', headers: { ...html, cookie } });
  t.same(plain.json(), { session: null }, 'over http the name is sr_session: the __Host- cookie is not it');
  const out = await app.inject({ method: 'POST', url: '/logout', headers: { ...https, cookie } });
  t.match(String(out.headers['set-cookie']), /^__Host-sr_session=; Path=\/; Max-Age=0; /);
  t.equal((await service.getSession(id)).endReason, 'logout');

  const overHttp = await app.inject({ method: 'POST', url: '/login' });
  t.match(String(overHttp.headers['set-cookie']), /^sr_session=sr1_/, 'plain-http development keeps sr_session');
});

t.test('__Host- is left out where it cannot apply, and a chosen name is kept', async (t) => {
  const https = { 'x-forwarded-proto': 'https' };
  const withDomain = await fastifyBackend(t, { domain: 'example.test' });
  t.match(
    String((await withDomain.app.inject({ method: 'POST', url: '/login', headers: https })).headers['set-cookie']),
    /^sr_session=sr1_.*; Domain=example\.test;/,
  );
  const withPath = await fastifyBackend(t, { path: '/account' });
  t.match(
    String((await withPath.app.inject({ method: 'POST', url: '/login', headers: https })).headers['set-cookie']),
    /^sr_session=sr1_.*; Path=\/account;/,
  );
  const named = await fastifyBackend(t, { name: 'sid' });
  t.match(String((await named.app.inject({ method: 'POST', url: '/login', headers: https })).headers['set-cookie']), /^sid=sr1_/);
});

t.test('node:http behind Express: req.protocol https gives __Host-sr_session', async (t) => {
  const registry = await startRegistry(t);
  const service = createRegistryClient({ baseUrl: registry.url, token: registry.token });
  const sessions = createSessionMiddleware({ client: service });
  const server = createServer(async (req: SessionRequest, res) => {
    // What Express sets from the socket or, with trust proxy, X-Forwarded-Proto.
    req.protocol = req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http';
    if (req.url === '/login') {
      await sessions.signIn(req, res, { userId: 'express-user' });
      res.writeHead(204).end();
      return;
    }
    sessions.middleware(req, res, () =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ session: req.registrySession ?? null })),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const login = await fetch(`${base}/login`, { method: 'POST', headers: { 'x-forwarded-proto': 'https' } });
  const setCookie = login.headers.get('set-cookie') ?? '';
  t.match(setCookie, /^__Host-sr_session=sr1_[A-Za-z0-9_-]+; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
  const page = await fetch(`${base}/home`, { headers: { 'x-forwarded-proto': 'https', cookie: setCookie.split(';')[0] } });
  t.ok(((await page.json()) as { session: { id: string } | null }).session?.id);
  const plain = await fetch(`${base}/login`, { method: 'POST' });
  t.match(plain.headers.get('set-cookie') ?? '', /^sr_session=sr1_/);
});
