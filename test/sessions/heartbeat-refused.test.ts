import t from 'tap';
import { buildApp } from '../../src/app.js';
import { createDatabase } from '../../src/db/database.js';
import { DatabaseUnavailableError } from '../../src/db/errors.js';
import { createSessionsRepository, type SessionsRepository } from '../../src/sessions/repositories/sessions.js';
import { call, createTestDatabase, createTestSessions, login, openTestGeo, serviceToken, testConfig } from '../helper.js';

// A heartbeat that brings a change (a new address) and cannot write it answers 503; its caller
// retries it. Its page views must then count once, with the retry, not twice.
t.test('a heartbeat refused with 503 counts no activity; its retry counts once', async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const config = testConfig(db.url);
  const handle = createDatabase({ connectionString: db.url, poolSize: 5 });
  t.teardown(() => handle.close());
  const geo = await openTestGeo(t, config);
  const real = createSessionsRepository(handle);
  let failNetworkWrites = true;
  const failing: SessionsRepository = {
    ...real,
    updateNetwork: async (...args) => {
      if (failNetworkWrites) throw new DatabaseUnavailableError('the primary is gone');
      return real.updateNetwork(...args);
    },
  };
  const parts = createTestSessions(config, handle, { geo: geo.geo, repositories: { sessions: failing } });
  const app = await buildApp({ config, database: handle, geo, sessions: parts.sessions, logger: false });
  t.teardown(() => app.close());
  const token = serviceToken(app);
  const { session } = await login(app, { ip: '8.8.8.8' });

  const refused = await call(app, token, {
    method: 'POST',
    url: `/v1/sessions/${session.id}/heartbeat`,
    payload: { ip: '1.1.1.1', pageViews: 3 },
  });
  t.equal(refused.statusCode, 503, 'the change could not be written: 503');
  t.equal(refused.json().code, 'service_unavailable');
  failNetworkWrites = false;
  const retried = await call(app, token, {
    method: 'POST',
    url: `/v1/sessions/${session.id}/heartbeat`,
    payload: { ip: '1.1.1.1', pageViews: 3 },
  });
  t.equal(retried.statusCode, 200, 'the retry succeeds');
  await parts.sessions.flushActivity();
  const row = await real.findById(session.id);
  t.equal(Number(row?.page_views), 3, "the page views of the refused heartbeat are not counted, the retry's are");
  t.equal(Number(row?.heartbeats), 1, 'one heartbeat counted');
});
