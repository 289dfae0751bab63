import t from 'tap';
import { randomBytes, randomUUID } from 'node:crypto';
import { createRegistryClient, verifyWebhook } from '../../clients/typescript/src/index.js';
import { createPayloads } from '../../src/events/delivery/payloads.js';
import type { Outgoing } from '../../src/events/delivery/sender.js';
import { newSecret, sealSecret } from '../../src/events/secrets.js';
import { serviceToken, until } from '../helper.js';
import { startReceiver } from '../events/support.js';
import { startRegistry } from './support/registry.js';

// verifyWebhook against what the registry really sends: its delivery payloads, signed by its own
// code, and a delivery over HTTP from a running registry.

const SECRETS_KEY = randomBytes(32);
const AT = new Date('2026-06-01T12:00:00.000Z');

/** One delivery as the registry's delivery worker builds it, signed at `at` with `secrets` (newest first). */
function delivery(
  secrets: string[],
  at = AT,
  data: Record<string, unknown> = { sessionId: randomUUID(), userId: 'tove', reason: 'admin' },
): Outgoing {
  const endpointId = randomUUID();
  return createPayloads({ secretsKey: SECRETS_KEY, signingKey: null, issuer: 'https://registry.example.com' }).build(
    {
      id: '1',
      attempts: 0,
      eventId: randomUUID(),
      eventType: 'session.ended',
      occurredAt: at,
      data,
      sessionId: data.sessionId as string,
      endpointId,
      url: 'https://hooks.example.com/',
      format: 'standard',
      secret: sealSecret(SECRETS_KEY, endpointId, secrets[0]),
      previousSecret: secrets[1] ? sealSecret(SECRETS_KEY, endpointId, secrets[1]) : null,
    },
    at,
  );
}
const at = (secondsFromSigning: number) => ({ now: () => AT.getTime() + secondsFromSigning * 1000 });

t.test("a delivery signed by the registry's code verifies with its secret, and not otherwise", async (t) => {
  const secret = newSecret();
  const { headers, body } = delivery([secret]);
  t.equal(await verifyWebhook(secret, headers, body, at(0)), true);
  t.equal(
    await verifyWebhook(secret, new Headers(headers), new TextEncoder().encode(body), at(0)),
    true,
    'a fetch Headers and the body as bytes',
  );
  t.equal(await verifyWebhook(secret, { ...headers, 'Webhook-Id': headers['webhook-id'] }, body, at(0)), true, 'header names in any case');

  t.equal(await verifyWebhook(newSecret(), headers, body, at(0)), false, 'another secret');
  t.equal(await verifyWebhook(secret, headers, body.replace('tove', 'evot'), at(0)), false, 'a changed body');
  t.equal(await verifyWebhook(secret, headers, `${body} `, at(0)), false, 'a body that is not byte for byte the one signed');
  t.equal(await verifyWebhook(secret, { ...headers, 'webhook-id': randomUUID() }, body, at(0)), false, 'another id');
  t.equal(
    await verifyWebhook(secret, { ...headers, 'webhook-timestamp': String(Number(headers['webhook-timestamp']) + 1) }, body, at(0)),
    false,
    'another timestamp',
  );
  t.equal(
    await verifyWebhook(secret, { ...headers, 'webhook-signature': headers['webhook-signature'].replace('v1,', 'v2,') }, body, at(0)),
    false,
    'an unknown version',
  );
  for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
    const without = Object.fromEntries(Object.entries(headers).filter(([key]) => key !== name));
    t.equal(await verifyWebhook(secret, without, body, at(0)), false, `without ${name}`);
  }
  await t.rejects(verifyWebhook('whsec_not base64!', headers, body, at(0)), TypeError, 'a malformed secret is a mistake, not a forgery');
});

t.test('the timestamp must be within 5 minutes of now, either way', async (t) => {
  const secret = newSecret();
  const { headers, body } = delivery([secret]);
  t.equal(await verifyWebhook(secret, headers, body, at(300)), true, '5 minutes late');
  t.equal(await verifyWebhook(secret, headers, body, at(-300)), true, '5 minutes early');
  t.equal(await verifyWebhook(secret, headers, body, at(301)), false, 'a replay after 5 minutes');
  t.equal(await verifyWebhook(secret, headers, body, at(-301)), false);
  t.equal(await verifyWebhook(secret, headers, body, { ...at(3600), toleranceSeconds: 3600 }), true, 'a tolerance of its own');
});

t.test('during a rotation each delivery carries both signatures: either secret verifies', async (t) => {
  const [current, previous] = [newSecret(), newSecret()];
  const { headers, body } = delivery([current, previous]);
  t.equal(headers['webhook-signature'].split(' ').length, 2);
  t.equal(await verifyWebhook(previous, headers, body, at(0)), true, 'a receiver still on the old secret');
  t.equal(await verifyWebhook(current, headers, body, at(0)), true, 'a receiver on the new one');
  t.equal(await verifyWebhook([newSecret(), current], headers, body, at(0)), true, 'a receiver holding several');
  t.equal(await verifyWebhook([newSecret(), newSecret()], headers, body, at(0)), false);
});

t.test('a delivery from a running registry verifies with the secret createWebhook returned', async (t) => {
  const registry = await startRegistry(t, {
    env: { WEBHOOK_SECRETS_KEY: SECRETS_KEY.toString('base64'), WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_POLL_INTERVAL_MS: '50' },
  });
  const operator = createRegistryClient({ baseUrl: registry.url, token: serviceToken(registry.app, 'webhooks:manage sessions:read') });
  const backend = createRegistryClient({ baseUrl: registry.url, token: registry.token });
  const receiver = await startReceiver(t);
  const { secret } = await operator.createWebhook({ url: receiver.url });
  await backend.createSession({ userId: 'ulf' });
  t.ok(await until(() => receiver.received.length >= 1), 'the login arrives');
  const [received] = receiver.received;
  t.equal(await verifyWebhook(secret, received.headers, received.body), true);
  t.match(JSON.parse(received.body), { type: 'session.created', data: { userId: 'ulf' } });
  t.equal(await verifyWebhook(newSecret(), received.headers, received.body), false);
});
