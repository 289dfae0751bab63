import t from 'tap';
import pg from 'pg';
import { createDatabase } from '../../src/db/database.js';
import { createMigrator, migrateToLatest } from '../../src/db/migrator.js';
import { databaseUrl } from '../helper.js';
import { randomBytes } from 'node:crypto';

t.test('migrations go up, down and up again on an empty database', async (t) => {
  const name = `sr_mig_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: databaseUrl() });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(databaseUrl());
  url.pathname = `/${name}`;
  const handle = createDatabase({ connectionString: url.toString(), poolSize: 1 });
  t.teardown(async () => {
    await handle.close();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  });
  const tables = async () =>
    (await handle.pool.query("select tablename from pg_tables where schemaname = 'public' and tablename not like 'registry_%' order by 1")).rows.map((r) => r.tablename);

  const first = await migrateToLatest(handle.db);
  t.ok((first.results ?? []).length >= 1);
  t.same(await tables(), ['activity_flushes', 'session_events', 'sessions']);
  const fillfactor = await handle.pool.query("select reloptions from pg_class where relname = 'sessions'");
  t.same(fillfactor.rows[0].reloptions, ['fillfactor=80'], 'room for HOT updates');

  const migrator = createMigrator(handle.db);
  for (;;) {
    const down = await migrator.migrateDown();
    t.error(down.error);
    if (!down.results || down.results.length === 0) break;
  }
  t.same(await tables(), [], 'all the way down');
  const again = await migrateToLatest(handle.db);
  t.ok((again.results ?? []).length >= 1);
  t.same(await tables(), ['activity_flushes', 'session_events', 'sessions'], 'and up again');
  const noop = await migrateToLatest(handle.db);
  t.same(noop.results, [], 'nothing pending');
});
