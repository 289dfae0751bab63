import t from 'tap';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { createRegistryClient, RegistryError } from '../../clients/typescript/src/index.js';
import { serviceToken, until } from '../helper.js';
import { startReceiver } from '../events/support.js';
import { startRegistry } from './support/registry.js';

// Lifecycle events through the client: webhook endpoints (webhooks:manage), the feed
// (sessions:read) and the public .well-known documents.

const ISSUER = 'https://registry.example.com';
const eventsEnv = () => ({
  WEBHOOK_SECRETS_KEY: randomBytes(32).toString('base64'),
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
  WEBHOOK_POLL_INTERVAL_MS: '50',
  WEBHOOK_RETRY_SCHEDULE: '100ms',
  EVENTS_SIGNING_KEY: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  EVENTS_ISSUER: ISSUER,
});

async function eventsRegistry(t: Parameters<typeof startRegistry>[0]) {
  const registry = await startRegistry(t, { env: eventsEnv() });
  return {
    registry,
    backend: createRegistryClient({ baseUrl: registry.url, token: registry.token }),
    operator: createRegistryClient({ baseUrl: registry.url, token: serviceToken(registry.app, 'sessions:read webhooks:manage') }),
  };
}

t.test('a webhook endpoint: its secret once, signed deliveries, the delivery log, changes and deletion', async (t) => {
  const { backend, operator } = await eventsRegistry(t);
  const receiver = await startReceiver(t);
  const created = await operator.createWebhook({ url: receiver.url, events: ['session.created'], description: 'audit' });
  t.match(created.secret, /^whsec_/, 'the secret is in the answer');
  t.match(created.endpoint, { url: receiver.url, events: ['session.created'], description: 'audit', format: 'standard', enabled: true });
  t.same(
    (await operator.listWebhooks()).items.map((e) => e.id),
    [created.endpoint.id],
  );
  t.notOk('secret' in (await operator.getWebhook(created.endpoint.id)), 'and never again');

  const { session } = await backend.createSession({ userId: 'quinn' });
  t.ok(await until(() => receiver.received.length >= 1), 'the login arrives');
  const body = new Webhook(created.secret).verify(receiver.received[0].body, receiver.received[0].headers as Record<string, string>);
  t.match(body, { type: 'session.created', data: { sessionId: session.id, userId: 'quinn' } }, 'signed with that secret');
  t.ok(await until(async () => (await operator.listWebhookDeliveries(created.endpoint.id, { status: 'delivered' })).items.length === 1));
  const [delivery] = (await operator.listWebhookDeliveries(created.endpoint.id)).items;
  t.match(delivery, { eventType: 'session.created', status: 'delivered', attempts: 1, attemptLog: [{ statusCode: 200 }] });

  const updated = await operator.updateWebhook(created.endpoint.id, { description: null, enabled: false });
  t.match(updated, { description: null, enabled: false, disabledReason: 'manual' });

  const rotated = await operator.rotateWebhookSecret(created.endpoint.id, { graceSeconds: 60 });
  t.match(rotated.secret, /^whsec_/);
  t.not(rotated.secret, created.secret, 'a new secret');
  t.ok(rotated.endpoint.previousSecretExpiresAt, 'the previous one signs a while longer');

  t.equal((await operator.deleteWebhook(created.endpoint.id)).id, created.endpoint.id, 'answers the endpoint as it was');
  const gone = await operator.getWebhook(created.endpoint.id).catch((error: unknown) => error);
  t.ok(RegistryError.is(gone) && gone.status === 404);
});

t.test('the feed pages with nextCursor as `after`, and filters by type', async (t) => {
  const { backend, operator } = await eventsRegistry(t);
  const { session } = await backend.createSession({ userId: 'rosa' });
  await backend.endSession(session.id, { reason: 'admin' });
  let all: Array<{ type: string }> = [];
  t.ok(await until(async () => (all = (await operator.listEvents()).items).length === 2), 'both events are readable');
  t.same(
    all.map((e) => e.type),
    ['session.created', 'session.ended'],
    'oldest first',
  );

  const first = await operator.listEvents({ limit: 1 });
  t.same(
    first.items.map((e) => e.type),
    ['session.created'],
  );
  const next = await operator.listEvents({ after: first.nextCursor as string, limit: 1 });
  t.same(
    next.items.map((e) => e.type),
    ['session.ended'],
  );
  t.match(next.items[0].data, { sessionId: session.id, userId: 'rosa', reason: 'admin' });
  t.same(
    (await operator.listEvents({ types: 'session.ended' })).items.map((e) => e.type),
    ['session.ended'],
  );

  const wrongScope = await backend.listWebhooks().catch((error: unknown) => error);
  t.ok(RegistryError.is(wrongScope, 'forbidden'), 'managing webhooks takes its own scope');
});

t.test('the JWK set and the Shared Signals metadata need no credential', async (t) => {
  const { registry } = await eventsRegistry(t);
  const anonymous = createRegistryClient({ baseUrl: registry.url });
  const jwks = await anonymous.getEventsJwks();
  t.equal(jwks.keys.length, 1);
  t.match(jwks.keys[0], { kty: 'EC', crv: 'P-256' });
  t.notOk('d' in jwks.keys[0], 'the public half only');
  const ssf = await anonymous.getSsfConfiguration();
  t.match(ssf, { issuer: ISSUER, jwks_uri: `${ISSUER}/.well-known/jwks.json` });
});

t.test('creating an endpoint or rotating its secret is never sent twice; reads and deletes are', async (t) => {
  const seen: string[] = [];
  // Accepts every request and never answers.
  const server = createServer((req) => void seen.push(`${req.method} ${req.url}`));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  t.teardown(() => server.closeAllConnections());
  const client = createRegistryClient({
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    token: 'x',
    timeoutMs: 100,
    retries: 2,
    retryDelayMs: 10,
  });
  const id = '0190a000-0000-7000-8000-000000000000';
  const attempts = async (call: () => Promise<unknown>) => {
    seen.length = 0;
    t.ok(RegistryError.is(await call().catch((error: unknown) => error), 'timeout'));
    return seen.length;
  };
  t.equal(await attempts(() => client.createWebhook({ url: 'https://hooks.example.com/' })), 1, 'create');
  t.equal(await attempts(() => client.rotateWebhookSecret(id)), 1, 'rotate');
  t.equal(await attempts(() => client.deleteWebhook(id)), 3, 'delete');
  t.equal(await attempts(() => client.listEvents()), 3, 'the feed');
});
