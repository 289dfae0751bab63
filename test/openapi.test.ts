import t from 'tap';
import { readFileSync } from 'node:fs';
import { SCOPE_NAMES, type Scope } from '../src/auth/scopes.js';
import { renderOpenApi } from '../src/openapi-document.js';
import { buildTestApp } from './helper.js';

t.test('the committed openapi.yaml matches the route schemas', async (t) => {
  const committed = readFileSync(new URL('../openapi.yaml', import.meta.url), 'utf8');
  const rendered = await renderOpenApi();
  t.ok(committed === rendered, 'openapi.yaml is stale: run `npm run openapi` and commit the result');
});

t.test('every operation is documented with id, summary, security and problem responses', async (t) => {
  const { app } = await buildTestApp(t);
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
  t.equal(doc.openapi, '3.1.0');
  const required = [
    '/v1/sessions',
    '/v1/sessions/{id}',
    '/v1/sessions/{id}/heartbeat',
    '/v1/sessions/introspect',
    '/v1/users/{userId}/sessions',
    '/v1/users/{userId}/sessions/revoke',
    '/v1/me/sessions',
    '/v1/me/sessions/{id}',
    '/v1/me/sessions/revoke-others',
    '/v1/me/heartbeat',
    '/v1/me/logout',
    '/healthz',
    '/readyz',
    '/metrics',
    '/v1/sessions/{id}/review',
    '/v1/sessions/revoke',
    '/v1/users/{userId}',
    '/v1/users/{userId}/export',
    '/v1/me/sessions/{id}/confirm',
    '/v1/me/sessions/{id}/report',
    '/v1/me/export',
  ];
  for (const path of required) t.ok(doc.paths[path], `documents ${path}`);
  for (const [path, methods] of Object.entries<Record<string, any>>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(methods)) {
      t.ok(op.operationId, `${method} ${path} operationId`);
      t.ok(op.summary, `${method} ${path} summary`);
      if (path.startsWith('/v1/')) {
        t.ok(op.security?.length, `${method} ${path} security`);
        t.ok(op.responses['401']?.content?.['application/problem+json'], `${method} ${path} documents 401 as problem+json`);
      }
    }
  }
  // Each service-token operation names the scopes it needs; the operator operations need sessions:admin.
  const scopesOf = (op: any): string[] | undefined => op.security?.find((s: Record<string, string[]>) => s.serviceToken)?.serviceToken;
  const operations = Object.entries<Record<string, any>>(doc.paths).flatMap(([path, methods]) =>
    Object.entries<any>(methods).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, scopes: scopesOf(op) })),
  );
  for (const op of operations.filter((o) => o.scopes !== undefined))
    t.ok(op.scopes!.length > 0 && op.scopes!.every((s) => SCOPE_NAMES.includes(s as Scope)), `${op.name} names its scopes`);
  t.same(
    operations
      .filter((o) => o.scopes?.includes('sessions:admin'))
      .map((o) => o.name)
      .sort(),
    [
      'DELETE /v1/users/{userId}',
      'GET /v1/sessions',
      'GET /v1/users/{userId}/export',
      'POST /v1/sessions/revoke',
      'POST /v1/sessions/{id}/review',
    ],
    'the operator operations, and only they, need sessions:admin',
  );
  t.same(
    operations.find((o) => o.name === 'POST /v1/webhooks')?.scopes,
    ['webhooks:manage', 'sessions:read'],
    'creating a webhook needs sessions:read too',
  );
  const docs = await app.inject({ method: 'GET', url: '/docs' });
  t.ok([200, 302].includes(docs.statusCode), 'the reference UI is served');
});

t.test('/docs "Try it out" targets the server that answered, on whatever port it listens', async (t) => {
  const { app } = await buildTestApp(t);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  t.not(origin, 'http://127.0.0.1:3000', 'a port other than the default');
  // The document the reference page loads, and the one at /openapi.json.
  for (const path of ['/docs/json', '/openapi.json']) {
    const response = await fetch(`${origin}${path}`);
    t.equal(response.status, 200);
    const doc = (await response.json()) as { servers: Array<{ url: string }> };
    t.equal(doc.servers.length, 1);
    t.equal(new URL(doc.servers[0].url, response.url).origin, origin, `${path}: its server is the origin that answered`);
  }
});
