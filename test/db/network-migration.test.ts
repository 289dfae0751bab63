import { randomBytes } from 'node:crypto';
import pg from 'pg';
import t from 'tap';
import { createDatabase } from '../../src/db/database.js';
import { createMigrator, migrateToLatest } from '../../src/db/migrator.js';
import { databaseUrl } from '../helper.js';

t.test('sessions.network: added empty to existing rows, dropped again by down', async (t) => {
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
  const migrator = createMigrator(handle.db);
  t.error((await migrator.migrateTo('20261201220000_sessions_expiry_check')).error);
  await handle.pool.query(`
    insert into sessions (id, user_id, token_hash, created_at, last_active_at, idle_timeout_seconds, max_age_seconds,
                          absolute_expires_at, expiry_check_at, agent, device_key, risk, location)
    values ('00000000-0000-7000-8000-000000000001', 'u', '\\x00', '2026-06-01T10:00Z', '2026-06-01T11:00Z', 600, 86400,
            '2026-06-02T10:00Z', '2026-06-01T11:10Z', '{}', 'd', '{}', '{"countryCode":"GB"}')`);
  await migrateToLatest(handle.db);
  const row = await handle.pool.query('select network, location from sessions');
  t.same(row.rows, [{ network: null, location: { countryCode: 'GB' } }], 'existing rows: network unknown, the rest untouched');

  t.error((await migrator.migrateTo('20261201220000_sessions_expiry_check')).error);
  const column = await handle.pool.query(
    "select 1 from information_schema.columns where table_name = 'sessions' and column_name = 'network'",
  );
  t.equal(column.rowCount, 0, 'down drops the column');
  t.equal((await handle.pool.query('select count(*)::int as n from sessions')).rows[0].n, 1, 'and keeps the rows');
});
