import t from 'tap';
import pg from 'pg';
import { buildTestApp, call, createTestDatabase, databaseUrl, login, serviceToken } from '../helper.js';

// During a failover the balancer can hand a connection to a server that is not yet (or no longer)
// the primary: PostgreSQL refuses writes there with SQLSTATE 25006. That is the database being
// unavailable for writes for a moment, to be retried, not an internal error.
t.test('a write refused by a read-only server is a 503 with Retry-After', async (t) => {
  const db = await createTestDatabase();
  const { app } = await buildTestApp(t, { db });
  t.teardown(() => db.drop());
  const token = serviceToken(app);
  const { session } = await login(app);

  const admin = new pg.Client({ connectionString: databaseUrl() });
  await admin.connect();
  t.teardown(() => admin.end());
  // Every connection of the database becomes read-only, as on a standby: new ones by the
  // database's default, the pool's open ones by ending them (the pool opens new ones).
  await admin.query(`alter database ${db.name} set default_transaction_read_only = on`);
  await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [db.name]);

  let created = await call(app, token, { method: 'POST', url: '/v1/sessions', payload: { userId: 'read-only', ip: '81.2.69.142' } });
  // The first request may meet a connection ended a moment ago (already a 503); the next one reaches the read-only server.
  if (created.statusCode === 503)
    created = await call(app, token, { method: 'POST', url: '/v1/sessions', payload: { userId: 'read-only', ip: '81.2.69.142' } });
  t.equal(created.statusCode, 503, `a login is refused with 503 (${created.body.slice(0, 200)})`);
  t.equal(created.json().code, 'service_unavailable');
  t.ok(created.headers['retry-after'], 'with Retry-After');
  const revoked = await call(app, token, { method: 'DELETE', url: `/v1/sessions/${session.id}` });
  t.equal(revoked.statusCode, 503, 'a revoke too');
  t.equal(revoked.json().code, 'service_unavailable');

  // The primary is back: writes succeed again on the same pool.
  await admin.query(`alter database ${db.name} reset default_transaction_read_only`);
  await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [db.name]);
  let again = await call(app, token, { method: 'POST', url: '/v1/sessions', payload: { userId: 'read-only', ip: '81.2.69.142' } });
  if (again.statusCode === 503)
    again = await call(app, token, { method: 'POST', url: '/v1/sessions', payload: { userId: 'read-only', ip: '81.2.69.142' } });
  t.equal(again.statusCode, 201, 'writes succeed once the server takes them');
});
