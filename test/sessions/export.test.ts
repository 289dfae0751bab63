import t from 'tap';
import http from 'node:http';
import pg from 'pg';
import { buildApp } from '../../src/app.js';
import { createDatabase } from '../../src/db/database.js';
import { EXPORT_BATCH } from '../../src/sessions/export.js';
import { createUserDataRepository, type UserDataRepository } from '../../src/sessions/repositories/user-data.js';
import { buildTestApp, call, createTestDatabase, createTestSessions, login, openTestGeo, serviceToken, testConfig } from '../helper.js';
import { insertBulkSessions } from '../support/bulk-sessions.js';

t.test('an export holds every session and every event of the user, and nothing of anyone else', async (t) => {
  const { app, handle } = await buildTestApp(t);
  const token = serviceToken(app);
  const phone = await login(app, {
    userId: 'exp',
    deviceId: 'pixel-8',
    clientHints: { 'sec-ch-ua-platform': '"Android"' },
    metadata: { 'fraud-score': 97 },
  });
  const laptop = await login(app, { userId: 'exp', ip: '8.8.8.8' });
  await call(app, token, { method: 'DELETE', url: `/v1/sessions/${laptop.session.id}` });
  await call(app, phone.token, { method: 'PATCH', url: `/v1/me/sessions/${phone.session.id}`, payload: { name: 'My phone' } });
  const other = await login(app, { userId: 'someone-else' });

  const mine = await call(app, phone.token, { method: 'GET', url: '/v1/me/export' });
  t.equal(mine.statusCode, 200);
  t.match(mine.headers['content-type'], /^application\/json/);
  const doc = mine.json();
  t.equal(doc.userId, 'exp');
  t.ok(Number.isFinite(Date.parse(doc.exportedAt)));
  t.same(
    doc.sessions.map((s: { id: string }) => s.id),
    [phone.session.id, laptop.session.id],
    'active and ended, in login order',
  );
  const [first, second] = doc.sessions;
  t.same(
    [first.current, first.name, first.deviceId, first.clientHints],
    [true, 'My phone', 'pixel-8', { 'sec-ch-ua-platform': '"Android"' }],
  );
  t.same([second.current, second.status, second.ip], [false, 'ended', '8.8.8.8']);
  const stored = await handle.db.selectFrom('session_events').select('id').where('user_id', '=', 'exp').orderBy('id').execute();
  t.same(
    doc.events.map((e: { id: string }) => e.id),
    stored.map((e) => String(e.id)),
    'every event, oldest first',
  );
  t.same([...new Set(doc.events.map((e: { type: string }) => e.type))].sort(), ['ended', 'login']);
  t.notOk(mine.body.includes(other.session.id), 'nothing of another user');
  t.notOk(mine.body.includes('token_hash'), 'never a token hash');
  t.notOk(mine.body.includes('metadata') || mine.body.includes('fraud-score'), "never the backend's metadata");

  const admin = serviceToken(app, 'sessions:admin');
  const service = await call(app, admin, { method: 'GET', url: '/v1/users/exp/export' });
  t.same(
    service.json().sessions.map((s: { id: string; current?: boolean }) => [s.id, s.current]),
    [
      [phone.session.id, undefined],
      [laptop.session.id, undefined],
    ],
  );
  t.same(
    service.json().sessions.map((s: { metadata?: unknown }) => s.metadata),
    [{ 'fraud-score': 97 }, {}],
    "a service's export holds it",
  );
  const nobody = await call(app, admin, { method: 'GET', url: '/v1/users/nobody-at-all/export' });
  t.same([nobody.statusCode, nobody.json().sessions, nobody.json().events], [200, [], []]);
  for (const scope of ['sessions:read', 'sessions:read sessions:write']) {
    const refused = await call(app, serviceToken(app, scope), { method: 'GET', url: '/v1/users/exp/export' });
    t.same(
      [refused.statusCode, refused.headers['content-type'], refused.json().code],
      [403, 'application/problem+json; charset=utf-8', 'forbidden'],
      `${scope}: exporting a user is for operators`,
    );
    t.notOk(refused.body.includes(phone.session.id), `${scope}: nothing of the user`);
  }
});

t.test('an export of many sessions is read in batches and written as it is read', async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  t.teardown(() => admin.end());
  const total = 40_000;
  await insertBulkSessions(admin, {
    count: total,
    user: 'big',
    ip: '81.2.69.142',
    userAgent: 'BulkAgent/1.0',
    createdAt: new Date(Date.now() - 86400_000),
  });

  // The feature with its user-data repository watched: every batch it reads is recorded.
  const config = testConfig(db.url);
  const handle = createDatabase({ connectionString: db.url, poolSize: 5 });
  t.teardown(() => handle.close());
  const geo = await openTestGeo(t, config);
  const real = createUserDataRepository(handle);
  const reads: number[] = [];
  const watched: UserDataRepository = {
    ...real,
    sessionsAfter: async (...args) => {
      const rows = await real.sessionsAfter(...args);
      reads.push(rows.length);
      return rows;
    },
  };
  const parts = createTestSessions(config, handle, { geo: geo.geo, repositories: { userData: watched } });
  const app = await buildApp({ config, database: handle, geo, sessions: parts.sessions, logger: false });
  t.teardown(() => app.close());
  const address = await app.listen({ port: 0, host: '127.0.0.1' });

  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    http
      .get(`${address}/v1/users/big/export`, { headers: { authorization: `Bearer ${serviceToken(app, 'sessions:admin')}` } }, resolve)
      .on('error', reject);
  });
  t.equal(response.statusCode, 200);
  response.pause();
  // The client reads nothing for a while: the service must stop reading too, far from the end.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const whileStalled = reads.length;
  t.ok(
    whileStalled < total / EXPORT_BATCH / 2,
    `while the client does not read, the service has read ${whileStalled} of ${Math.ceil(total / EXPORT_BATCH)} batches`,
  );
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  const doc = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { sessions: Array<{ id: string }>; events: unknown[] };
  t.equal(doc.sessions.length, total, 'every session');
  t.equal(new Set(doc.sessions.map((s) => s.id)).size, total, 'each once');
  t.equal(doc.events.length, total, 'every event');
  t.ok(
    reads.every((n) => n <= EXPORT_BATCH),
    `never more than ${EXPORT_BATCH} sessions per read`,
  );
  t.equal(
    reads.reduce((a, b) => a + b, 0),
    total,
    'in keyset batches that add up to the whole',
  );
});
