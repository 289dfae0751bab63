import t from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRegistryClient, RegistryError } from '../../clients/typescript/src/index.js';
import { serviceToken } from '../helper.js';
import { startRegistry, USER_AGENTS } from './support/registry.js';

// The account controls through the client: the registry's own answers, typed from openapi.yaml.

t.test('a backend names; an operator reviews, searches, bulk-revokes, exports and erases', async (t) => {
  const registry = await startRegistry(t);
  const client = createRegistryClient({ baseUrl: registry.url, token: registry.token });
  const operator = createRegistryClient({ baseUrl: registry.url, token: serviceToken(registry.app, 'sessions:admin') });
  const first = await client.createSession({ userId: 'lena', ip: '81.2.69.142', userAgent: USER_AGENTS.chromeMac });
  const second = await client.createSession({ userId: 'lena', ip: '8.8.8.8', userAgent: USER_AGENTS.immichAndroid });
  const third = await client.createSession({ userId: 'lena', ip: '2.16.0.1', userAgent: USER_AGENTS.ipad, maxActiveSessions: 2 });
  t.same(third.evicted, [first.session.id], 'a login beyond its limit ends the least recently active');
  t.equal((await client.getSession(first.session.id)).endReason, 'evicted');

  const named = await client.updateSession(second.session.id, { name: 'Pixel', metadata: { team: 'ops' } });
  t.equal(named.name, 'Pixel');
  t.same(named.metadata, { team: 'ops' });
  t.equal((await client.updateSession(second.session.id, { name: null })).name, null, 'null clears the name');

  t.equal(second.session.review.state, 'unreviewed');
  const notAnOperator = await client.reviewSession(second.session.id, { state: 'confirmed' }).catch((error: unknown) => error);
  t.ok(RegistryError.is(notAnOperator, 'forbidden'), "a backend's token cannot answer for the user");
  t.equal((await operator.reviewSession(second.session.id, { state: 'confirmed' })).review.state, 'confirmed');
  const reported = await operator.reviewSession(third.session.id, { state: 'reported' });
  t.match(reported, { status: 'ended', endReason: 'reported_by_user', review: { state: 'reported' } });
  t.same(await client.introspectSessionToken({ token: third.token }), { active: false });
  const confirmedOnly = await client.listUserSessions('lena', { status: 'all', review: 'confirmed' });
  t.same(
    confirmedOnly.items.map((s) => s.id),
    [second.session.id],
    'lists filter on the review state',
  );

  const other = await client.createSession({ userId: 'mats', ip: '8.8.8.8' });
  const found = await operator.searchSessions({ ip: '8.8.8.8', status: 'active' });
  t.same(found.items.map((s) => s.id).sort(), [second.session.id, other.session.id].sort(), 'across users');
  const dry = await operator.revokeMatchingSessions({ ip: '8.8.8.8', reason: 'suspicious' });
  t.same(dry, { matched: 2, revoked: 0, dryRun: true }, 'first a dry run');
  const tooFew = await operator
    .revokeMatchingSessions({ ip: '8.8.8.8', reason: 'suspicious', expectedCount: 1 })
    .catch((error: unknown) => error);
  t.ok(RegistryError.is(tooFew, 'more_sessions_match') && tooFew.problem?.matched === 2, 'more than expected: 409 with the count');
  t.same(await operator.revokeMatchingSessions({ ip: '8.8.8.8', reason: 'suspicious', expectedCount: dry.matched }), {
    matched: 2,
    revoked: 2,
    dryRun: false,
  });
  t.equal((await client.getSession(other.session.id)).endReason, 'suspicious');

  const exported = await operator.exportUser('lena');
  t.equal(exported.userId, 'lena');
  t.same(
    exported.sessions.map((s) => s.id),
    [first.session.id, second.session.id, third.session.id],
    'every session, in login order',
  );
  t.ok(
    exported.events.some((e) => e.type === 'reviewed'),
    'and every event',
  );

  t.same(await operator.eraseUser('lena'), { erasedSessions: 3, erasedEvents: exported.events.length });
  t.same(await operator.eraseUser('lena'), { erasedSessions: 0, erasedEvents: 0 }, 'again, nothing left to erase');
  const gone = await client.getSession(second.session.id).catch((error: unknown) => error);
  t.ok(RegistryError.is(gone, 'session_not_found'));
});

t.test('the signed-in user names, confirms and reports their own sessions, and exports their data', async (t) => {
  const registry = await startRegistry(t);
  const client = createRegistryClient({ baseUrl: registry.url, token: registry.token });
  const laptop = await client.createSession({ userId: 'nils', ip: '81.2.69.142', userAgent: USER_AGENTS.chromeMac });
  const phone = await client.createSession({ userId: 'nils', ip: '8.8.8.8', userAgent: USER_AGENTS.immichAndroid });
  const stranger = await client.createSession({ userId: 'nils', ip: '89.160.20.112', userAgent: USER_AGENTS.firefoxWindows });
  const as = { sessionToken: laptop.token, user: { ip: '81.2.69.142', userAgent: USER_AGENTS.chromeMac } };

  t.equal((await client.nameMySession(phone.session.id, { name: '  Work phone ' }, as)).name, 'Work phone', 'trimmed');
  t.equal((await client.getSession(phone.session.id)).name, 'Work phone');
  t.equal((await client.nameMySession(phone.session.id, { name: null }, as)).name, null);

  t.equal((await client.confirmMySession(phone.session.id, as)).review.state, 'confirmed');
  const reported = await client.reportMySession(stranger.session.id, as);
  t.match(reported, { status: 'ended', endReason: 'reported_by_user', review: { state: 'reported' } });
  const refused = await client.listMySessions({}, { sessionToken: stranger.token }).catch((error: unknown) => error);
  t.ok(RegistryError.is(refused) && refused.unauthorized, "the reported session's token is refused");
  const current = await client.reportMySession(laptop.session.id, as).catch((error: unknown) => error);
  t.ok(RegistryError.is(current, 'cannot_revoke_current'), 'the current session cannot be reported from itself');

  const foreign = await client.createSession({ userId: 'olga' });
  const notMine = await client.confirmMySession(foreign.session.id, as).catch((error: unknown) => error);
  t.ok(RegistryError.is(notMine, 'session_not_found'), "another user's session is out of reach");

  const mine = await client.exportMyData(as);
  t.equal(mine.userId, 'nils');
  t.same(
    mine.sessions.map((s) => [s.id, s.current]),
    [
      [laptop.session.id, true],
      [phone.session.id, false],
      [stranger.session.id, false],
    ],
  );
});

t.test('an export gets a longer timeout; a bulk revoke is tried again only as a dry run', async (t) => {
  const seen: string[] = [];
  // Answers an export after 300 ms, and nothing else ever.
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (req.url?.endsWith('/export'))
      setTimeout(
        () =>
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end('{"userId":"pia","exportedAt":"2026-06-01T12:00:00.000Z","sessions":[],"events":[]}'),
        300,
      );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  t.teardown(() => server.closeAllConnections());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = createRegistryClient({ baseUrl: url, token: 'x', timeoutMs: 100, retries: 2, retryDelayMs: 10 });

  t.equal((await client.exportUser('pia')).userId, 'pia', 'read whole, beyond the timeout of other calls');
  const short = await client.exportUser('pia', { timeoutMs: 100 }).catch((error: unknown) => error);
  t.ok(RegistryError.is(short, 'timeout'), 'unless the call names its own');

  seen.length = 0;
  const real = await client
    .revokeMatchingSessions({ ip: '8.8.8.8', reason: 'suspicious', expectedCount: 2 })
    .catch((error: unknown) => error);
  t.ok(RegistryError.is(real, 'timeout'));
  t.equal(seen.length, 1, 'a bulk revoke is never sent twice');
  seen.length = 0;
  await client.revokeMatchingSessions({ ip: '8.8.8.8', reason: 'suspicious' }).catch(() => null);
  t.equal(seen.length, 3, 'a dry run only counts: tried three times');
  seen.length = 0;
  await client.revokeMatchingSessions({ ip: '8.8.8.8', reason: 'suspicious', expectedCount: 2, dryRun: true }).catch(() => null);
  t.equal(seen.length, 3, 'so does one that says dryRun');
});
