import t from 'tap';
import { sql } from 'kysely';
import { buildApp } from '../../src/app.js';
import { createDatabase } from '../../src/db/database.js';
import { DatabaseOverloadedError } from '../../src/db/errors.js';
import { createTestDatabase, serviceToken, testConfig } from '../helper.js';

t.test('past maxQueue waiting callers, a connection request is refused at once', async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const handle = createDatabase({ connectionString: db.url, poolSize: 1, maxQueue: 2, connectionTimeoutMs: 10000 });
  t.teardown(() => handle.close());
  const held = await handle.pool.connect();
  const waiting = [handle.pool.query('select 1 as n'), sql<{ n: number }>`select 2 as n`.execute(handle.db)];
  // Kysely asks the pool for a connection a few ticks after execute().
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.equal(handle.pool.waitingCount, 2, 'two callers wait');
  const started = Date.now();
  await t.rejects(handle.pool.query('select 3'), DatabaseOverloadedError, 'the third waiter, through pg');
  await t.rejects(sql`select 4`.execute(handle.db), DatabaseOverloadedError, 'and through kysely');
  t.ok(Date.now() - started < 1000, 'refused without waiting for the connection timeout');
  held.release();
  const [first, second] = await Promise.all(waiting);
  t.equal(first.rows[0].n, 1, 'the queued callers are served once a connection is free');
  t.equal(second.rows[0].n, 2);
  t.equal((await handle.pool.query('select 5 as n')).rows[0].n, 5, 'and later callers again');
});

t.test('a request refused that way is a 503 problem with Retry-After, and is not logged as an error', async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const handle = createDatabase({ connectionString: db.url, poolSize: 1, maxQueue: 1, connectionTimeoutMs: 10000 });
  const logged: string[] = [];
  const app = await buildApp({
    config: testConfig(db.url),
    database: handle,
    logger: { level: 'info', stream: { write: (line: string) => void logged.push(line) } },
  });
  await app.ready();
  t.teardown(async () => {
    await app.close();
    await handle.close();
  });
  const headers = { authorization: `Bearer ${serviceToken(app)}` };
  const held = await handle.pool.connect();
  const queued = app.inject({ method: 'GET', url: '/v1/users/alice/sessions', headers });
  await new Promise((resolve) => setTimeout(resolve, 100));
  const refused = await app.inject({ method: 'GET', url: '/v1/users/bob/sessions', headers });
  t.equal(refused.statusCode, 503);
  t.equal(refused.headers['retry-after'], '1');
  t.match(refused.headers['content-type'], /application\/problem\+json/);
  t.match(refused.json(), { code: 'service_unavailable', detail: /overloaded/ });
  held.release();
  t.equal((await queued).statusCode, 200, 'the waiting request is served');
  t.notOk(
    logged.some((line) => /"level":50/.test(line)),
    'no error-level log line',
  );
});
