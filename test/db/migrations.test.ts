import t from 'tap';
import pg from 'pg';
import { createDatabase } from '../../src/db/database.js';
import { createMigrator, migrateToLatest } from '../../src/db/migrator.js';
import { databaseUrl } from '../helper.js';
import { randomBytes } from 'node:crypto';

/** A database with no migration applied, dropped when the test ends. */
async function emptyDatabase(t: { teardown(fn: () => unknown): void }) {
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
  return handle;
}

t.test('migrations go up, down and up again on an empty database', async (t) => {
  const handle = await emptyDatabase(t);
  const tables = async () =>
    (
      await handle.pool.query("select tablename from pg_tables where schemaname = 'public' and tablename not like 'registry_%' order by 1")
    ).rows.map((r) => r.tablename);

  const first = await migrateToLatest(handle.db);
  t.ok((first.results ?? []).length >= 1);
  t.same(await tables(), [
    'activity_flushes',
    'event_dispatch',
    'outbox_events',
    'session_events',
    'session_removals',
    'sessions',
    'webhook_deliveries',
    'webhook_endpoints',
    'webhook_url_changes',
  ]);
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
  t.same(
    await tables(),
    [
      'activity_flushes',
      'event_dispatch',
      'outbox_events',
      'session_events',
      'session_removals',
      'sessions',
      'webhook_deliveries',
      'webhook_endpoints',
      'webhook_url_changes',
    ],
    'and up again',
  );
  const noop = await migrateToLatest(handle.db);
  t.same(noop.results, [], 'nothing pending');
});

t.test('expiry_check_at: existing rows get their earliest expiry; the index leaves activity columns out', async (t) => {
  const handle = await emptyDatabase(t);
  const migrator = createMigrator(handle.db);
  t.error((await migrator.migrateTo('20261123150000_create_sessions')).error);
  // Idle-bound, age-bound and ended rows, written before the column exists.
  await handle.pool.query(`
    insert into sessions (id, user_id, token_hash, created_at, last_active_at, idle_timeout_seconds, max_age_seconds,
                          absolute_expires_at, ended_at, end_reason, agent, device_key, risk)
    values ('00000000-0000-7000-8000-000000000001', 'u', '\\x00', '2026-06-01T10:00Z', '2026-06-01T11:00Z', 600, 86400, '2026-06-02T10:00Z', null, null, '{}', 'd', '{}'),
           ('00000000-0000-7000-8000-000000000002', 'u', '\\x00', '2026-06-01T10:00Z', '2026-06-01T11:00Z', 86400, 7200, '2026-06-01T12:00Z', null, null, '{}', 'd', '{}'),
           ('00000000-0000-7000-8000-000000000003', 'u', '\\x00', '2026-06-01T10:00Z', '2026-06-01T10:30Z', 600, 86400, '2026-06-02T10:00Z', '2026-06-01T10:40Z', 'idle_timeout', '{}', 'd', '{}')`);
  await migrateToLatest(handle.db);
  const rows = await handle.pool.query<{ expiry_check_at: Date }>('select expiry_check_at from sessions order by id');
  t.same(
    rows.rows.map((r) => r.expiry_check_at.toISOString()),
    ['2026-06-01T11:10:00.000Z', '2026-06-01T12:00:00.000Z', '2026-06-01T10:40:00.000Z'],
  );
  const column = await handle.pool.query(
    "select is_nullable from information_schema.columns where table_name = 'sessions' and column_name = 'expiry_check_at'",
  );
  t.equal(column.rows[0].is_nullable, 'NO');
  const indexes = await handle.pool.query<{ name: string; def: string }>(
    "select indexname as name, indexdef as def from pg_indexes where tablename = 'sessions' order by 1",
  );
  t.match(indexes.rows.find((i) => i.name === 'sessions_expiry_check')?.def, /\(expiry_check_at\) WHERE \(ended_at IS NULL\)/);
  t.notOk(
    indexes.rows.some((i) => i.name === 'sessions_absolute_expiry'),
    'superseded index dropped',
  );
  // An index on an activity column would turn every activity flush into a non-HOT update.
  t.same(
    indexes.rows.filter((i) => /last_active_at|page_views|heartbeats/.test(i.def)),
    [],
  );

  t.error((await migrator.migrateTo('20261123150000_create_sessions')).error);
  const after = await handle.pool.query(
    "select 1 from information_schema.columns where table_name = 'sessions' and column_name = 'expiry_check_at'",
  );
  t.equal(after.rowCount, 0, 'down drops the column');
  const restored = await handle.pool.query("select 1 from pg_indexes where indexname = 'sessions_absolute_expiry'");
  t.equal(restored.rowCount, 1, 'and restores the index it replaced');
});
