import t from 'tap';
import Fastify from 'fastify';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRegistryClient } from '../../clients/typescript/src/index.js';
import { sessionRegistry } from '../../clients/typescript/src/fastify.js';
import { PAGE_OPERATIONS } from '../../clients/typescript/src/helper/core.js';
import { startRegistry } from './support/registry.js';

// What the helper passes on from the account page to /v1/me: the operations a page makes, by
// method and path, and nothing else.

const ID = '01a2090e-1752-7517-90db-10e12a707e92';

t.test('the list names /v1/me operations of openapi.yaml, each by its method and path', async (t) => {
  const registry = await startRegistry(t);
  const doc = (await (await fetch(`${registry.url}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { operationId: string }>>;
  };
  const me = Object.entries(doc.paths)
    .filter(([path]) => path.startsWith('/v1/me/'))
    .flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        operation: op.operationId,
        method: method.toUpperCase(),
        path: path.slice('/v1/me'.length).replace('{id}', ID),
      })),
    );
  for (const listed of PAGE_OPERATIONS) {
    const spec = me.find((op) => op.operation === listed.operation);
    t.ok(spec, `${listed.operation} is a /v1/me operation`);
    t.equal(listed.method, spec?.method, `${listed.operation}: method`);
    t.match(spec?.path, listed.path, `${listed.operation}: path`);
  }
  // A new /v1/me operation fails here until it is decided whether account pages may call it.
  t.same(me.map((op) => op.operation).sort(), PAGE_OPERATIONS.map((op) => op.operation).sort(), "every /v1/me operation is a page's");
});

t.test('each listed call reaches its /v1/me route; any other path answers 404 and reaches nothing', async (t) => {
  const seen: string[] = [];
  // A registry stand-in that answers everything with 200 and records what reached it.
  const fake = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => fake.close(resolve)));
  const client = createRegistryClient({ baseUrl: `http://127.0.0.1:${(fake.address() as AddressInfo).port}`, token: 'x', retries: 0 });
  const app = Fastify();
  await app.register(sessionRegistry, { client, apiPrefix: '/account/api/me' });
  t.teardown(() => app.close());
  const headers = { cookie: `sr_session=sr1_${'0'.repeat(32)}${'A'.repeat(43)}`, 'sec-fetch-site': 'same-origin' };
  const send = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, payload?: object) =>
    app.inject({
      method,
      url: `/account/api/me${path}`,
      headers: { ...headers, ...(payload ? { 'content-type': 'application/json' } : {}) },
      payload,
    });

  const calls: Array<['GET' | 'POST' | 'PATCH' | 'DELETE', string, object?]> = [
    ['GET', '/sessions?status=active&limit=10'],
    ['GET', `/sessions/${ID}`],
    ['GET', `/sessions/${ID}/events?limit=5`],
    ['DELETE', `/sessions/${ID}`],
    ['POST', '/sessions/revoke-others'],
    ['PATCH', `/sessions/${ID}`, { name: 'Work laptop' }],
    ['POST', `/sessions/${ID}/confirm`],
    ['POST', `/sessions/${ID}/report`],
    ['POST', '/heartbeat', { pageViews: 1 }],
    ['GET', '/export'],
    ['POST', '/logout'],
  ];
  for (const [method, path, payload] of calls) {
    seen.length = 0;
    const answer = await send(method, path, payload);
    t.equal(answer.statusCode, 200, `${method} ${path}`);
    t.same(seen, [`${method} /v1/me${path}`], `${method} ${path} reached the registry`);
  }

  const refused: Array<['GET' | 'POST' | 'PATCH' | 'DELETE', string]> = [
    ['POST', '/sessions'],
    ['GET', `/sessions/${ID}/nothing`],
    ['POST', `/sessions/${ID}/review`],
    ['DELETE', '/sessions'],
    ['GET', '/logout'],
    ['PATCH', '/export'],
    ['GET', '/'],
  ];
  for (const [method, path] of refused) {
    seen.length = 0;
    const answer = await send(method, path);
    t.equal(answer.statusCode, 404, `${method} ${path}`);
    t.equal(answer.json().code, 'not_found');
    t.same(seen, [], `${method} ${path} reached nothing`);
  }
});

t.test('a logout passed on from the page ends the session and clears the cookie with the answer', async (t) => {
  const registry = await startRegistry(t);
  const service = createRegistryClient({ baseUrl: registry.url, token: registry.token });
  const app = Fastify();
  await app.register(sessionRegistry, { client: service, apiPrefix: '/account/api/me' });
  t.teardown(() => app.close());
  const { session, token } = await service.createSession({ userId: 'ruth' });

  const out = await app.inject({
    method: 'POST',
    url: '/account/api/me/logout',
    headers: { cookie: `sr_session=${token}`, 'sec-fetch-site': 'same-origin' },
  });
  t.equal(out.statusCode, 200);
  t.equal(out.json().endReason, 'logout');
  t.match(String(out.headers['set-cookie']), /^sr_session=; .*Max-Age=0/);
  t.equal((await service.getSession(session.id)).status, 'ended');
});

t.test("what the helper passes on from /v1/me never holds the backend's metadata", async (t) => {
  const registry = await startRegistry(t);
  const service = createRegistryClient({ baseUrl: registry.url, token: registry.token });
  const app = Fastify();
  await app.register(sessionRegistry, { client: service, apiPrefix: '/account/api/me' });
  t.teardown(() => app.close());
  const { session, token } = await service.createSession({ userId: 'meta', metadata: { 'fraud-score': 97 } });
  t.same((await service.getSession(session.id)).metadata, { 'fraud-score': 97 }, 'the backend stored it');
  const headers = { cookie: `sr_session=${token}`, 'sec-fetch-site': 'same-origin' };
  for (const path of ['/sessions', `/sessions/${session.id}`, '/export']) {
    const page = await app.inject({ method: 'GET', url: `/account/api/me${path}`, headers });
    t.equal(page.statusCode, 200, path);
    t.notMatch(page.body, /metadata|fraud-score/, `${path}: no metadata reaches the page`);
  }
});
