import t from 'tap';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRegistryClient, RegistryError } from '../../clients/typescript/src/index.js';
import { serviceToken } from '../helper.js';
import { startRegistry, USER_AGENTS } from './support/registry.js';

async function listen(server: Server, t: { teardown(fn: () => unknown): void }): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  t.teardown(() => server.closeAllConnections());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A proxy in front of the registry that answers the first `failures` requests itself with 503. */
async function flakyProxy(t: Parameters<typeof listen>[1], target: string, failures: number, retryAfter: string | null) {
  const seen: string[] = [];
  let left = failures;
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (left > 0) {
      left--;
      res.writeHead(503, { 'content-type': 'application/problem+json', ...(retryAfter === null ? {} : { 'retry-after': retryAfter }) });
      res.end(
        JSON.stringify({
          type: 'urn:session-registry:error:service_unavailable',
          title: 'Service unavailable',
          status: 503,
          detail: 'overloaded',
          code: 'service_unavailable',
          requestId: 'proxy',
        }),
      );
      return;
    }
    const upstream = httpRequest(`${target}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  });
  return { url: await listen(server, t), seen };
}

t.test('one method per operation of openapi.yaml, named after its operationId', async (t) => {
  const registry = await startRegistry(t);
  const doc = await (await fetch(`${registry.url}/openapi.json`)).json();
  const operationIds = Object.values<Record<string, { operationId: string }>>(doc.paths).flatMap((methods) =>
    Object.values(methods).map((op) => op.operationId),
  );
  const client = createRegistryClient({ baseUrl: registry.url });
  const methods = Object.keys(client).filter((name) => name !== 'forward');
  t.same([...methods].sort(), [...operationIds].sort());
});

t.test('a backend registers, checks, lists and ends sessions with its service token', async (t) => {
  const registry = await startRegistry(t);
  const client = createRegistryClient({ baseUrl: registry.url, token: async () => registry.token });
  const { session, token } = await client.createSession({
    userId: 'alice',
    ip: '81.2.69.142',
    userAgent: USER_AGENTS.chromeMac,
    loginMethod: 'password',
  });
  t.equal(session.userId, 'alice');
  t.equal(session.location?.countryCode, 'GB');
  t.equal(session.browser.name, 'Chrome');
  t.match(token, /^sr1_/);

  t.equal((await client.getSession(session.id)).id, session.id);
  const beat = await client.heartbeatSession(session.id, { pageViews: 2 });
  t.equal(beat.status, 'active');
  const introspected = await client.introspectSessionToken({ token });
  t.equal(introspected.active, true);
  const page = await client.listUserSessions('alice', { status: 'active', limit: 10 });
  t.same(
    page.items.map((s) => s.id),
    [session.id],
  );

  const ended = await client.endSession(session.id, { reason: 'password_change' });
  t.equal(ended.endReason, 'password_change');
  const again = await client.endSession(session.id);
  t.equal(again.endedAt, ended.endedAt, 'ending again answers the same session');
  t.same(await client.introspectSessionToken({ token }), { active: false });
  const events = await client.listSessionEvents(session.id);
  t.equal(events.items[0].type, 'ended');
});

t.test('410 session_ended and 401 are told apart, with the problem details', async (t) => {
  const registry = await startRegistry(t);
  const client = createRegistryClient({ baseUrl: registry.url, token: registry.token });
  const { session, token } = await client.createSession({ userId: 'bob' });
  await client.logout({ sessionToken: token });

  const ended = await client.heartbeatSession(session.id).catch((error: unknown) => error);
  t.ok(RegistryError.is(ended, 'session_ended'));
  const e410 = ended as RegistryError;
  t.equal(e410.status, 410);
  t.equal(e410.endReason, 'logout');
  t.equal(e410.sessionEnded, true);
  t.equal(e410.unauthorized, false);
  t.equal(e410.signedOut, true);
  t.match(e410.requestId, /^[0-9a-f-]{36}$/);
  t.equal(e410.operation, 'heartbeatSession');
  t.equal(e410.problem?.status, 410);

  const refused = await client.listMySessions({}, { sessionToken: token }).catch((error: unknown) => error);
  t.ok(RegistryError.is(refused, 'unauthorized'));
  const e401 = refused as RegistryError;
  t.equal(e401.status, 401);
  t.equal(e401.sessionEnded, false);
  t.equal(e401.unauthorized, true);
  t.equal(e401.signedOut, true);
  t.equal(e401.endReason, null);

  const invalid = await client.createSession({ userId: '' }).catch((error: unknown) => error);
  t.ok(RegistryError.is(invalid, 'validation_failed'));
  t.equal((invalid as RegistryError).status, 400);
  t.ok((invalid as RegistryError).problem?.errors?.some((e) => e.path === 'body/userId'));

  const wrongToken = createRegistryClient({ baseUrl: registry.url, token: 'not-a-jwt' });
  const e = await wrongToken.getSession(session.id).catch((error: unknown) => error);
  t.ok(RegistryError.is(e, 'unauthorized'));
});

t.test("the user's calls carry the browser's address and device through the backend", async (t) => {
  const registry = await startRegistry(t);
  const client = createRegistryClient({ baseUrl: registry.url, token: registry.token });
  const laptop = await client.createSession({ userId: 'carol', ip: '81.2.69.142', userAgent: USER_AGENTS.chromeMac });
  const phone = await client.createSession({ userId: 'carol', ip: '8.8.8.8', userAgent: USER_AGENTS.immichAndroid });
  const as = { sessionToken: laptop.token, user: { ip: '81.2.69.142', userAgent: USER_AGENTS.chromeMac } };

  const list = await client.listMySessions({ status: 'active' }, as);
  t.same(
    list.items.map((s) => [s.id, s.current]).sort(),
    [
      [laptop.session.id, true],
      [phone.session.id, false],
    ].sort(),
  );
  t.equal((await client.getMySession(phone.session.id, as)).client.name, 'Immich');
  t.equal((await client.listMySessionEvents(phone.session.id, {}, as)).items.at(-1)?.type, 'login');

  // The laptop moves to the US: the registry takes the address from X-Forwarded-For (TRUST_PROXY).
  const moved = { ...as, user: { ...as.user, ip: '2.16.0.1' } };
  const beat = await client.heartbeatMySession({ pageViews: 1 }, moved);
  t.equal(beat.id, laptop.session.id);
  const after = await client.getSession(laptop.session.id);
  t.equal(after.ip, '2.16.0.1', 'the forwarded address was recorded');
  t.equal(after.activity.pageViews, 1);

  const current = await client.endMySession(laptop.session.id, as).catch((error: unknown) => error);
  t.ok(RegistryError.is(current, 'cannot_revoke_current'));
  // The move flagged the laptop, and it is new: it may not sign other devices out until confirmed.
  const untrusted = await client.endMySession(phone.session.id, as).catch((error: unknown) => error);
  t.ok(RegistryError.is(untrusted, 'session_not_yet_trusted'));
  // An operator's confirmation (the service route is sessions:admin), as after a step-up by e-mail.
  const operator = createRegistryClient({ baseUrl: registry.url, token: serviceToken(registry.app, 'sessions:admin') });
  await operator.reviewSession(laptop.session.id, { state: 'confirmed' });
  t.equal((await client.endMySession(phone.session.id, as)).endReason, 'revoked_by_user');
  const another = await client.createSession({ userId: 'carol' });
  t.same(await client.endMyOtherSessions(as), { revoked: 1, ids: [another.session.id] });
  t.equal((await client.logout(as)).endReason, 'logout');
});

t.test('operations: liveness, readiness and metrics', async (t) => {
  const registry = await startRegistry(t);
  const client = createRegistryClient({ baseUrl: registry.url });
  t.same(await client.liveness(), { status: 'ok' });
  t.equal((await client.readiness()).status, 'ready');
  t.match(await client.metrics(), /session_registry_http_requests_total/);
});

t.test('a timeout is an error of its own; only idempotent calls are tried again', async (t) => {
  const seen: string[] = [];
  // Accepts every request and never answers.
  const server = createServer((req) => {
    seen.push(`${req.method} ${req.url}`);
  });
  const url = await listen(server, t);
  const client = createRegistryClient({ baseUrl: url, token: 'x', timeoutMs: 150, retries: 2, retryDelayMs: 10 });
  const started = Date.now();
  const read = await client.getSession('0190a000-0000-7000-8000-000000000000').catch((error: unknown) => error);
  t.ok(RegistryError.is(read, 'timeout'));
  t.equal((read as RegistryError).status, 0);
  t.equal(seen.length, 3, 'a read is tried three times');
  t.ok(Date.now() - started >= 450);

  seen.length = 0;
  const write = await client.createSession({ userId: 'dave' }).catch((error: unknown) => error);
  t.ok(RegistryError.is(write, 'timeout'));
  t.equal(seen.length, 1, 'a login is never sent twice after a timeout');

  const closed = createRegistryClient({ baseUrl: 'http://127.0.0.1:1', retries: 0 });
  const refused = await closed.liveness().catch((error: unknown) => error);
  t.ok(RegistryError.is(refused, 'network_error'));

  const controller = new AbortController();
  const pending = client.getSession('0190a000-0000-7000-8000-000000000000', { signal: controller.signal }).catch((error: unknown) => error);
  controller.abort(new Error('caller gave up'));
  t.equal(((await pending) as Error).message, 'caller gave up', 'an abort by the caller is not retried nor wrapped');
});

t.test('503 with Retry-After is waited out and retried, even for a login', async (t) => {
  const registry = await startRegistry(t);
  const proxy = await flakyProxy(t, registry.url, 2, '0');
  const client = createRegistryClient({ baseUrl: proxy.url, token: registry.token, retries: 2, retryDelayMs: 10 });
  const { session } = await client.createSession({ userId: 'erin' });
  t.equal(proxy.seen.length, 3);
  const direct = createRegistryClient({ baseUrl: registry.url, token: registry.token });
  t.same(
    (await direct.listUserSessions('erin')).items.map((s) => s.id),
    [session.id],
    'exactly one session was created',
  );
});

t.test('503 without Retry-After, or with a longer wait than allowed, is not retried', async (t) => {
  const registry = await startRegistry(t);
  const bare = await flakyProxy(t, registry.url, 1, null);
  const client = createRegistryClient({ baseUrl: bare.url, token: registry.token, retryDelayMs: 10 });
  const error = await client.createSession({ userId: 'frank' }).catch((e: unknown) => e);
  t.ok(RegistryError.is(error, 'service_unavailable'));
  t.equal(bare.seen.length, 1);

  const slow = await flakyProxy(t, registry.url, 1, '120');
  const impatient = createRegistryClient({ baseUrl: slow.url, token: registry.token, maxRetryDelayMs: 1000 });
  const late = await impatient.listUserSessions('frank').catch((e: unknown) => e);
  t.ok(RegistryError.is(late, 'service_unavailable'));
  t.equal((late as RegistryError).retryAfterSeconds, 120);
  t.equal(slow.seen.length, 1);
});
