import t from 'tap';
import { embeddedIpv4 } from '../../src/enrich/ip.js';
import { isPublicDestination } from '../../src/events/delivery/destinations.js';
import { call, login } from '../helper.js';
import { buildEventsApp, createWebhook, startReceiver, tableResolver } from './support.js';

// Server-side request forgery: URLs that lead inside the network are refused when they are set
// and again before every attempt. Every name here is resolved by a table (no DNS query is sent),
// and the only connections made are to receivers on 127.0.0.1.

const NAMES = {
  'hooks.example.com': ['93.184.216.34'],
  'private.example.com': ['192.168.1.10'],
  'metadata.example.com': ['169.254.169.254'],
  'mixed.example.com': ['93.184.216.34', '10.0.0.5'],
  'six.example.com': ['2606:2800:220:1:248:1893:25c8:1946'],
  'ula.example.com': ['fd00::1'],
};

t.test('refused at creation: loopback, private, link-local and metadata addresses, internal names', async (t) => {
  const resolve = tableResolver(NAMES);
  const { app, manage } = await buildEventsApp(t, { background: false, resolve, env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false' } });
  const refused = [
    'http://10.0.0.1/hook',
    'http://169.254.169.254/latest/meta-data/',
    'http://127.0.0.1:8080/',
    'http://2130706433/',
    'http://0x7f.1/',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[fe80::1]/',
    'http://0.0.0.0/',
    'http://100.64.0.1/',
    'http://localhost/',
    'http://api.localhost/',
    'http://metadata.google.internal/computeMetadata/v1/',
    'http://printer/',
    'https://private.example.com/',
    'https://metadata.example.com/',
    'https://mixed.example.com/',
    'https://ula.example.com/',
  ];
  for (const url of refused) {
    const response = await call(app, manage, { method: 'POST', url: '/v1/webhooks', payload: { url } });
    t.equal(response.statusCode, 400, url);
    t.equal(response.json().code, 'invalid_webhook_url', url);
  }
  t.same(
    resolve.calls.sort(),
    ['metadata.example.com', 'mixed.example.com', 'private.example.com', 'ula.example.com'],
    'internal names were refused before any lookup',
  );
  for (const url of [
    'https://hooks.example.com/in',
    'http://93.184.216.34/',
    'https://six.example.com/',
    'https://[2606:4700:4700::1111]/',
  ]) {
    const response = await call(app, manage, { method: 'POST', url: '/v1/webhooks', payload: { url } });
    t.equal(response.statusCode, 201, `${url} is public`);
  }
  const list = (await call(app, manage, { method: 'GET', url: '/v1/webhooks' })).json().items;
  t.equal(list.length, 4, 'only the public ones exist');
});

t.test('in production, https only (unless private networks are allowed)', async (t) => {
  const { app, manage } = await buildEventsApp(t, {
    background: false,
    resolve: tableResolver(NAMES),
    env: { NODE_ENV: 'production', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false' },
  });
  const plain = await call(app, manage, { method: 'POST', url: '/v1/webhooks', payload: { url: 'http://hooks.example.com/' } });
  t.equal(plain.statusCode, 400);
  t.match(plain.json(), { code: 'invalid_webhook_url', detail: /https/ });
  t.equal(
    (await call(app, manage, { method: 'POST', url: '/v1/webhooks', payload: { url: 'https://hooks.example.com/' } })).statusCode,
    201,
  );
});

t.test('checked again at each attempt: a name that now resolves inside is refused without a connection', async (t) => {
  const receiver = await startReceiver(t);
  const table: Record<string, string[]> = { 'rebind.example.com': ['93.184.216.34'] };
  const resolve = tableResolver(table);
  const { app, manage } = await buildEventsApp(t, {
    resolve,
    env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false', WEBHOOK_RETRY_SCHEDULE: '1h' },
  });
  const { endpoint } = await createWebhook(app, manage, { url: `http://rebind.example.com:${receiver.port}/hooks` });
  // The name now points at this machine, where the receiver listens.
  table['rebind.example.com'] = ['127.0.0.1'];
  await login(app, { userId: 'rebind' });
  const deliveries = async () => (await call(app, manage, { method: 'GET', url: `/v1/webhooks/${endpoint.id}/deliveries` })).json().items;
  const until = Date.now() + 5000;
  while (Date.now() < until && (await deliveries())[0]?.attempts !== 1) await new Promise((r) => setTimeout(r, 20));
  const [delivery] = await deliveries();
  t.match(delivery, { status: 'pending', attempts: 1 });
  t.match(delivery.attemptLog[0], { statusCode: null, error: /refused: .*not public/ });
  t.notMatch(delivery.attemptLog[0].error, /127\.0\.0\.1/, 'the log does not name where the name resolved');
  t.equal(receiver.received.length, 0, 'no request reached the address');
  t.ok(resolve.calls.filter((name) => name === 'rebind.example.com').length >= 2, 'resolved at creation and again for the attempt');
});

t.test('the connection goes to the address that was checked, not to a second lookup', async (t) => {
  const receiver = await startReceiver(t);
  // A label longer than 63 characters: no system resolver would resolve it (it fails before any
  // query is sent), so only a connection to the checked address can reach the receiver.
  const name = `${'a'.repeat(64)}.example.com`;
  const resolve = tableResolver({ [name]: ['127.0.0.1'] });
  const { app, manage } = await buildEventsApp(t, { resolve });
  await createWebhook(app, manage, { url: `http://${name}:${receiver.port}/hooks` });
  await login(app, { userId: 'pinned' });
  const end = Date.now() + 5000;
  while (Date.now() < end && receiver.received.length === 0) await new Promise((r) => setTimeout(r, 20));
  t.equal(receiver.received.length, 1, 'delivered to the checked address');
  t.equal(receiver.received[0]?.headers.host, `${name}:${receiver.port}`, 'with the name as the Host');
});

t.test('a resolver that never answers: creation refused and attempts failed, each within the bound', async (t) => {
  const silent = { 'slow.example.com': ['93.184.216.34'] } as Record<string, string[]>;
  let hang = false;
  const table = tableResolver(silent);
  const resolve = async (host: string) => (hang ? new Promise<never>(() => {}) : table(host));
  const { app, manage } = await buildEventsApp(t, {
    resolve,
    env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false', WEBHOOK_TIMEOUT_MS: '300', WEBHOOK_RETRY_SCHEDULE: '1h' },
  });
  const { endpoint } = await createWebhook(app, manage, { url: 'https://slow.example.com/hooks' });
  hang = true;
  const started = Date.now();
  const refused = await call(app, manage, { method: 'POST', url: '/v1/webhooks', payload: { url: 'https://slow.example.com/other' } });
  t.equal(refused.statusCode, 400);
  t.match(refused.json(), { code: 'invalid_webhook_url', detail: /did not resolve within 300 ms/ });
  t.ok(Date.now() - started < 2000, 'answered without waiting for the resolver');
  await login(app, { userId: 'slow' });
  const deliveries = async () => (await call(app, manage, { method: 'GET', url: `/v1/webhooks/${endpoint.id}/deliveries` })).json().items;
  const end = Date.now() + 5000;
  while (Date.now() < end && (await deliveries())[0]?.attempts !== 1) await new Promise((r) => setTimeout(r, 20));
  t.match((await deliveries())[0], {
    status: 'pending',
    attempts: 1,
    attemptLog: [{ statusCode: null, error: /did not resolve within 300 ms/ }],
  });
});

// Literals only: nothing is resolved and nothing is sent.
t.test('6to4 and Teredo addresses are judged by the IPv4 address they carry', async (t) => {
  const resolve = tableResolver(NAMES);
  const { app, manage } = await buildEventsApp(t, { background: false, resolve, env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false' } });
  const inside = [
    'http://[2002:a9fe:a9fe::1]/latest/meta-data/', // 6to4 of 169.254.169.254
    'http://[2002:a00:1::]/', // 6to4 of 10.0.0.1
    'http://[2002:7f00:1:0:0:0:0:1]/', // 6to4 of 127.0.0.1
    'http://[2002:c0a8:10a::1]/', // 6to4 of 192.168.1.10
    'http://[2001:0:5db8:d822:0:0:f5ff:fffa]/', // Teredo: server 93.184.216.34, client 10.0.0.5 (inverted)
    'http://[2001:0:a00:1:0:0:a201:2790]/', // Teredo: server 10.0.0.1, client 93.254.216.111
  ];
  for (const url of inside) {
    const response = await call(app, manage, { method: 'POST', url: '/v1/webhooks', payload: { url } });
    t.same([response.statusCode, response.json().code], [400, 'invalid_webhook_url'], url);
  }
  t.same(resolve.calls, [], 'no lookup for a literal');
  t.equal((await call(app, manage, { method: 'GET', url: '/v1/webhooks' })).json().items.length, 0, 'none was created');

  t.same(embeddedIpv4('2002:a9fe:a9fe::1'), ['169.254.169.254']);
  t.same(
    embeddedIpv4('2001:0:5db8:d822::f5ff:fffa'),
    ['93.184.216.34', '10.0.0.5'],
    'Teredo: the server, and the client with its bits inverted',
  );
  t.same(embeddedIpv4('2606:4700:4700::1111'), [], 'any other address carries none');
  t.equal(isPublicDestination('2002:5db8:d822::1'), true, '6to4 of a public address (93.184.216.34) is public');
  t.equal(isPublicDestination('2002:a9fe:a9fe::1'), false);
  t.equal(isPublicDestination('2606:4700:4700::1111'), true);
});

t.test('a refused URL does not say what its name resolved to', async (t) => {
  const resolve = tableResolver(NAMES);
  const { app, manage } = await buildEventsApp(t, { background: false, resolve, env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false' } });
  const hidden: Array<[string, string]> = [
    ['https://private.example.com/', '192.168.1.10'],
    ['https://metadata.example.com/', '169.254.169.254'],
    ['https://mixed.example.com/', '10.0.0.5'],
    ['https://ula.example.com/', 'fd00::1'],
  ];
  for (const [url, address] of hidden) {
    const response = await call(app, manage, { method: 'POST', url: '/v1/webhooks', payload: { url } });
    t.same([response.statusCode, response.json().code], [400, 'invalid_webhook_url'], url);
    t.match(response.json().detail, /not public/, `${url}: says why`);
    t.notOk(response.body.includes(address), `${url}: does not name ${address}`);
  }
});
