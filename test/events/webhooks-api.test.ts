import t from 'tap';
import pg from 'pg';
import { call, login, serviceToken, until } from '../helper.js';
import { buildEventsApp, createWebhook, tableResolver } from './support.js';

// Managing endpoints over the API: the webhooks:manage scope (which no other scope implies), the
// secret shown once and stored sealed, changes, deletion, and clear 4xx answers for bad input.

const PUBLIC = tableResolver({ 'hooks.example.com': ['93.184.216.34'], 'other.example.com': ['93.184.216.35'] });

t.test('webhooks:manage is needed, and is implied by no other scope', async (t) => {
  const { app, manage: creator, manageOnly: manage } = await buildEventsApp(t, { background: false, resolve: PUBLIC });
  const { endpoint } = await createWebhook(app, creator, { url: 'https://hooks.example.com/in' });
  const write = serviceToken(app, 'sessions:read sessions:write sessions:admin');
  const routes = [
    ['POST', '/v1/webhooks', { url: 'https://hooks.example.com/x' }],
    ['GET', '/v1/webhooks'],
    ['GET', `/v1/webhooks/${endpoint.id}`],
    ['PATCH', `/v1/webhooks/${endpoint.id}`, { description: 'x' }],
    ['DELETE', `/v1/webhooks/${endpoint.id}`],
    ['POST', `/v1/webhooks/${endpoint.id}/rotate-secret`, {}],
    ['GET', `/v1/webhooks/${endpoint.id}/deliveries`],
  ] as const;
  for (const [method, url, payload] of routes) {
    const refused = await call(app, write, { method, url, payload });
    t.equal(refused.statusCode, 403, `${method} ${url} with every sessions scope`);
    t.match(refused.json(), { code: 'forbidden', detail: /webhooks:manage/ });
    const anonymous = await app.inject({ method, url, payload });
    t.equal(anonymous.statusCode, 401, `${method} ${url} without a token`);
  }
  const sessions = await call(app, manage, { method: 'GET', url: '/v1/users/alice/sessions' });
  t.equal(sessions.statusCode, 403, 'webhooks:manage reads no session');
  t.equal((await call(app, manage, { method: 'GET', url: '/v1/events' })).statusCode, 403, 'nor the feed');
  t.equal(
    (await call(app, serviceToken(app, 'sessions:read'), { method: 'GET', url: '/v1/events' })).statusCode,
    200,
    'the feed takes sessions:read',
  );
  t.equal((await call(app, manage, { method: 'GET', url: '/v1/webhooks' })).json().items.length, 1, 'nothing changed');
});

t.test('create, read, change, rotate, delete', async (t) => {
  const { app, db, manage } = await buildEventsApp(t, { background: false, resolve: PUBLIC });
  const created = await call(app, manage, {
    method: 'POST',
    url: '/v1/webhooks',
    payload: { url: 'https://hooks.example.com/in#frag', events: ['session.ended', 'session.created'], description: '  audit log ' },
  });
  t.equal(created.statusCode, 201);
  const { endpoint, secret } = created.json();
  t.match(endpoint, {
    url: 'https://hooks.example.com/in',
    events: ['session.ended', 'session.created'],
    description: 'audit log',
    format: 'standard',
    enabled: true,
    disabledReason: null,
    lastSuccessAt: null,
    previousSecretExpiresAt: null,
  });

  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  t.teardown(() => client.end());
  const stored = (await client.query('select secret from webhook_endpoints where id = $1', [endpoint.id])).rows[0].secret as Buffer;
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  t.notOk(stored.includes(key) || stored.includes(Buffer.from(secret)), 'the secret is stored sealed, not as it was shown');

  const read = await call(app, manage, { method: 'GET', url: `/v1/webhooks/${endpoint.id}` });
  t.same(read.json(), endpoint, 'read back as created');
  const list = await call(app, manage, { method: 'GET', url: '/v1/webhooks' });
  t.same(list.json().items, [endpoint]);
  t.notOk(/whsec_/.test(read.body + list.body), 'the secret is never shown again');

  const changed = await call(app, manage, {
    method: 'PATCH',
    url: `/v1/webhooks/${endpoint.id}`,
    payload: { url: 'https://other.example.com/x', events: null, description: null },
  });
  t.equal(changed.statusCode, 200);
  t.match(changed.json(), { url: 'https://other.example.com/x', events: null, description: null, enabled: true });
  const off = await call(app, manage, { method: 'PATCH', url: `/v1/webhooks/${endpoint.id}`, payload: { enabled: false } });
  t.match(off.json(), { enabled: false, disabledReason: 'manual' });

  const rotated = await call(app, manage, { method: 'POST', url: `/v1/webhooks/${endpoint.id}/rotate-secret` });
  t.equal(rotated.statusCode, 200, 'rotate with no body takes the default grace period');
  t.match(rotated.json().secret, /^whsec_/);
  t.not(rotated.json().secret, secret);
  const grace = Date.parse(rotated.json().endpoint.previousSecretExpiresAt) - Date.now();
  t.ok(grace > 86_000_000 && grace <= 86_400_000, 'one day by default');

  const removed = await call(app, manage, { method: 'DELETE', url: `/v1/webhooks/${endpoint.id}` });
  t.equal(removed.statusCode, 200);
  t.equal(removed.json().id, endpoint.id);
  for (const [method, url] of [
    ['GET', `/v1/webhooks/${endpoint.id}`],
    ['DELETE', `/v1/webhooks/${endpoint.id}`],
    ['PATCH', `/v1/webhooks/${endpoint.id}`],
    ['POST', `/v1/webhooks/${endpoint.id}/rotate-secret`],
    ['GET', `/v1/webhooks/${endpoint.id}/deliveries`],
  ] as const) {
    const gone = await call(app, manage, { method, url, payload: method === 'PATCH' ? { enabled: true } : undefined });
    t.equal(gone.statusCode, 404, `${method} after delete`);
    t.equal(gone.json().code, 'webhook_not_found');
  }
});

t.test('bad input is a 400 problem, and nothing is stored', async (t) => {
  const { app, manage } = await buildEventsApp(t, { background: false, resolve: PUBLIC, env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false' } });
  const bodies: Array<[unknown, string]> = [
    [{}, 'validation_failed'],
    [{ url: 'https://hooks.example.com/', events: ['session.deleted'] }, 'validation_failed'],
    [{ url: 'https://hooks.example.com/', events: [] }, 'validation_failed'],
    [{ url: 'https://hooks.example.com/', events: ['session.ended', 'session.ended'] }, 'validation_failed'],
    [{ url: 'https://hooks.example.com/', format: 'xml' }, 'validation_failed'],
    [{ url: 'https://hooks.example.com/', secret: 'whsec_mine' }, 'validation_failed'],
    [{ url: 'https://hooks.example.com/\n' }, 'validation_failed'],
    [{ url: 'https://hooks.example.com/', description: 'x'.repeat(257) }, 'validation_failed'],
    [{ url: 'not a url' }, 'invalid_webhook_url'],
    [{ url: 'ftp://hooks.example.com/' }, 'invalid_webhook_url'],
    [{ url: 'https://user:pw@hooks.example.com/' }, 'invalid_webhook_url'],
    [{ url: 'https://nowhere.example.com/' }, 'invalid_webhook_url'],
  ];
  for (const [payload, code] of bodies) {
    const response = await call(app, manage, { method: 'POST', url: '/v1/webhooks', payload: payload as Record<string, unknown> });
    t.equal(response.statusCode, 400, JSON.stringify(payload).slice(0, 80));
    t.equal(response.json().code, code);
    t.match(response.headers['content-type'], /application\/problem\+json/);
  }
  const { endpoint } = await createWebhook(app, manage, { url: 'https://hooks.example.com/' });
  for (const payload of [{ url: 'http://10.0.0.1/' }, { events: ['nope'] }, { enabled: 'yes' }, { format: 'caep' }]) {
    const response = await call(app, manage, { method: 'PATCH', url: `/v1/webhooks/${endpoint.id}`, payload });
    t.equal(response.statusCode, 400, `PATCH ${JSON.stringify(payload)}`);
  }
  t.equal(
    (await call(app, manage, { method: 'POST', url: `/v1/webhooks/${endpoint.id}/rotate-secret`, payload: { graceSeconds: -1 } }))
      .statusCode,
    400,
  );
  t.equal((await call(app, manage, { method: 'GET', url: `/v1/webhooks/${endpoint.id}/deliveries?cursor=abc` })).statusCode, 400);
  t.equal((await call(app, manage, { method: 'GET', url: '/v1/webhooks/not-a-uuid' })).statusCode, 400);
  const list = (await call(app, manage, { method: 'GET', url: '/v1/webhooks' })).json().items;
  t.equal(list.length, 1, 'only the one valid endpoint exists');
  t.equal(list[0].url, 'https://hooks.example.com/', 'unchanged by the refused changes');
});

t.test('at most 50 endpoints', async (t) => {
  const { app, manage } = await buildEventsApp(t, { background: false, resolve: PUBLIC });
  for (let i = 0; i < 50; i++) await createWebhook(app, manage, { url: `https://hooks.example.com/${i}` });
  const refused = await call(app, manage, { method: 'POST', url: '/v1/webhooks', payload: { url: 'https://hooks.example.com/51' } });
  t.equal(refused.statusCode, 409);
  t.equal(refused.json().code, 'webhook_limit_reached');
});

t.test('without WEBHOOK_SECRETS_KEY no endpoint can be made, and the rest of the service works', async (t) => {
  const { app, manage } = await buildEventsApp(t, { resolve: PUBLIC, env: { WEBHOOK_SECRETS_KEY: '' } });
  const refused = await call(app, manage, { method: 'POST', url: '/v1/webhooks', payload: { url: 'https://hooks.example.com/' } });
  t.equal(refused.statusCode, 409);
  t.match(refused.json(), { code: 'events_not_configured', detail: /WEBHOOK_SECRETS_KEY/ });
  await login(app, { userId: 'still-works' });
  const feed = async () => (await call(app, serviceToken(app), { method: 'GET', url: '/v1/events' })).json().items;
  t.ok(await until(async () => (await feed()).length === 1), 'events are still written and readable');
});

t.test('choosing where events go takes sessions:read as well, and every URL an endpoint is given is recorded', async (t) => {
  const { app, db, manage, manageOnly } = await buildEventsApp(t, { background: false, resolve: PUBLIC });
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  t.teardown(() => client.end());
  const ops = serviceToken(app, 'webhooks:manage sessions:read', { sub: 'ops-alice' });

  // webhooks:manage alone would receive every user's session events through an endpoint of its own.
  const created = await call(app, manageOnly, { method: 'POST', url: '/v1/webhooks', payload: { url: 'https://hooks.example.com/mine' } });
  t.same(
    [created.statusCode, created.headers['content-type'], created.json().code],
    [403, 'application/problem+json; charset=utf-8', 'forbidden'],
    'creating an endpoint needs sessions:read',
  );
  t.match(created.json().detail, /sessions:read/);
  t.equal((await client.query('select 1 from webhook_endpoints')).rowCount, 0, 'nothing was created');

  const { endpoint } = await createWebhook(app, ops, { url: 'https://hooks.example.com/in' });
  const repoint = await call(app, manageOnly, {
    method: 'PATCH',
    url: `/v1/webhooks/${endpoint.id}`,
    payload: { url: 'https://other.example.com/mine' },
  });
  t.same([repoint.statusCode, repoint.json().code], [403, 'forbidden'], 're-pointing it needs sessions:read');
  t.equal(
    (await call(app, manage, { method: 'GET', url: `/v1/webhooks/${endpoint.id}` })).json().url,
    'https://hooks.example.com/in',
    'the URL is unchanged',
  );
  const described = await call(app, manageOnly, {
    method: 'PATCH',
    url: `/v1/webhooks/${endpoint.id}`,
    payload: { description: 'audit', enabled: false },
  });
  t.same([described.statusCode, described.json().description], [200, 'audit'], 'any other change takes webhooks:manage alone');

  const moved = await call(app, manage, {
    method: 'PATCH',
    url: `/v1/webhooks/${endpoint.id}`,
    payload: { url: 'https://other.example.com:8443/x?token=secret-path' },
  });
  t.equal(moved.statusCode, 200);
  t.equal(
    (
      await call(app, manage, {
        method: 'PATCH',
        url: `/v1/webhooks/${endpoint.id}`,
        payload: { url: 'https://other.example.com:8443/x?token=secret-path' },
      })
    ).statusCode,
    200,
  );
  const history = await call(app, manageOnly, { method: 'GET', url: `/v1/webhooks/${endpoint.id}/url-changes` });
  t.equal(history.statusCode, 200);
  const items = history.json().items;
  t.match(items, [
    { changedBy: 'service:ops-alice', oldHost: null, newHost: 'hooks.example.com' },
    { changedBy: 'service:test-backend', oldHost: 'hooks.example.com', newHost: 'other.example.com:8443' },
  ]);
  t.equal(items.length, 2, 'the same URL again is no change');
  t.ok(
    items.every((i: { changedAt: string }) => Number.isFinite(Date.parse(i.changedAt))),
    'when',
  );
  t.notOk(history.body.includes('secret-path'), "hosts only: a path may carry a receiver's token");

  t.equal((await call(app, manage, { method: 'DELETE', url: `/v1/webhooks/${endpoint.id}` })).statusCode, 200);
  const after = await call(app, manageOnly, { method: 'GET', url: `/v1/webhooks/${endpoint.id}/url-changes` });
  t.same(after.json().items.length, 2, 'kept after the endpoint is deleted');

  const missing = await call(app, manageOnly, { method: 'GET', url: '/v1/webhooks/01a20920-0000-7000-8000-000000000000/url-changes' });
  t.same([missing.statusCode, missing.json().code], [404, 'webhook_not_found']);
  const bad = await call(app, manageOnly, { method: 'GET', url: '/v1/webhooks/not-a-uuid/url-changes' });
  t.same(
    [bad.statusCode, bad.headers['content-type'], bad.json().code],
    [400, 'application/problem+json; charset=utf-8', 'validation_failed'],
  );
  t.equal(
    (
      await call(app, serviceToken(app, 'sessions:read sessions:write sessions:admin'), {
        method: 'GET',
        url: `/v1/webhooks/${endpoint.id}/url-changes`,
      })
    ).statusCode,
    403,
    'webhooks:manage is needed to read it',
  );
  t.equal((await app.inject({ method: 'GET', url: `/v1/webhooks/${endpoint.id}/url-changes` })).statusCode, 401);
});
