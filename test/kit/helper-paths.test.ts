import t from 'tap';
import Fastify from 'fastify';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRegistryClient } from '../../clients/typescript/src/index.js';
import { sessionRegistry } from '../../clients/typescript/src/fastify.js';
import { createSessionMiddleware, type SessionRequest } from '../../clients/typescript/src/node.js';
import { startRegistry } from './support/registry.js';

// The account page's prefix spelled another way (`/account/api/m%65/sessions`, which a router reads
// as /account/api/me/sessions) is one of the helper's paths: answered 404, not passed on, no
// session check (no heartbeat, no page view).

const html = { accept: 'text/html' };
const SPELLINGS = [
  '/account/api/m%65/sessions',
  '/account/api/%6De/sessions?status=active',
  '/account/%61pi/me/sessions',
  '/account//api/me/sessions',
];

t.test('Fastify: an encoded prefix is a 404 problem and runs no heartbeat', async (t) => {
  const registry = await startRegistry(t);
  const service = createRegistryClient({ baseUrl: registry.url, token: registry.token });
  const app = Fastify();
  await app.register(sessionRegistry, { client: service, apiPrefix: '/account/api/me' });
  app.get('/page', async (request) => ({ session: request.registrySession }));
  t.teardown(() => app.close());
  const { session, token } = await service.createSession({ userId: 'paths-fastify' });
  const cookie = `sr_session=${token}`;
  const before = (await service.getSession(session.id)).activity;

  for (const url of SPELLINGS) {
    const answer = await app.inject({ method: 'GET', url, headers: { ...html, cookie } });
    t.ok([404].includes(answer.statusCode), `${url}: ${answer.statusCode}`);
    if (answer.headers['content-type']?.toString().startsWith('application/problem+json')) t.equal(answer.json().code, 'not_found', url);
  }
  const encoded = await app.inject({ method: 'GET', url: '/account/api/m%65/sessions', headers: { ...html, cookie } });
  t.equal(encoded.statusCode, 404, 'not a 500');
  t.match(encoded.headers['content-type'], /^application\/problem\+json/);
  t.same((await service.getSession(session.id)).activity, before, 'no heartbeat, no page view');

  // As written, the same call is passed on; a page is still checked.
  t.equal((await app.inject({ method: 'GET', url: '/account/api/me/sessions', headers: { cookie } })).statusCode, 200);
  t.equal((await app.inject({ method: 'GET', url: '/page', headers: { ...html, cookie } })).json().session.id, session.id);
});

t.test('node:http: an encoded prefix is a 404 problem and runs no heartbeat', async (t) => {
  const registry = await startRegistry(t);
  const service = createRegistryClient({ baseUrl: registry.url, token: registry.token });
  const sessions = createSessionMiddleware({ client: service, cookie: { name: 'sid', secure: false } });
  let checked = 0;
  const server = createServer((req: SessionRequest, res) => {
    sessions.middleware(req, res, (error?: unknown) => {
      if (req.registrySession) checked++;
      res
        .writeHead(error ? 500 : 200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ session: req.registrySession ?? null }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { session, token } = await service.createSession({ userId: 'paths-node' });
  const before = (await service.getSession(session.id)).activity;

  for (const url of SPELLINGS) {
    const answer = await fetch(`${base}${url}`, { headers: { ...html, cookie: `sid=${token}` } });
    t.equal(answer.status, 404, url);
    t.equal(answer.headers.get('content-type'), 'application/problem+json', url);
    t.equal(((await answer.json()) as { code: string }).code, 'not_found', url);
  }
  t.equal(checked, 0, 'the app saw none of them');
  t.same((await service.getSession(session.id)).activity, before, 'no heartbeat, no page view');
});
