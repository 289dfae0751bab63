import { sql, type Kysely } from 'kysely';

// The sessions table takes a write per activity flush, so it is laid out for HOT updates: a fill
// factor below 100 leaves room on each page, and no index covers an activity column
// (last_active_at, page_views, heartbeats), so updating them never touches an index.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sessions')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'bytea', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_active_at', 'timestamptz', (c) => c.notNull())
    .addColumn('idle_timeout_seconds', 'integer', (c) => c.notNull())
    .addColumn('max_age_seconds', 'integer', (c) => c.notNull())
    .addColumn('absolute_expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ended_at', 'timestamptz')
    .addColumn('end_reason', 'text')
    .addColumn('ended_by', 'text')
    .addColumn('page_views', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('heartbeats', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('client_hints', 'jsonb')
    .addColumn('parser_version', 'text')
    .addColumn('agent', 'jsonb', (c) => c.notNull())
    .addColumn('client_input', 'jsonb')
    .addColumn('device_id', 'text')
    .addColumn('device_key', 'text', (c) => c.notNull())
    .addColumn('location', 'jsonb')
    .addColumn('risk', 'jsonb', (c) => c.notNull())
    .addColumn('label', 'text')
    .addColumn('login_method', 'text')
    .addColumn('metadata', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addCheckConstraint('sessions_end_consistent', sql`(ended_at is null) = (end_reason is null)`)
    .modifyEnd(sql`with (fillfactor = 80)`)
    .execute();

  // Active list: a user's active sessions, sorted in memory (a user holds at most a few thousand).
  await sql`create index sessions_user_active on sessions (user_id) where ended_at is null`.execute(db);
  // History list and retention purge walk ended sessions by end time.
  await sql`create index sessions_user_ended on sessions (user_id, ended_at desc, id desc) where ended_at is not null`.execute(db);
  await sql`create index sessions_ended_at on sessions (ended_at) where ended_at is not null`.execute(db);
  // Risk signals read a user's recent logins, newest first (created_at never changes).
  await sql`create index sessions_user_created on sessions (user_id, created_at desc)`.execute(db);
  // The sweeper finds sessions past their absolute age without scanning every row.
  await sql`create index sessions_absolute_expiry on sessions (absolute_expires_at) where ended_at is null`.execute(db);

  await db.schema
    .createTable('session_events')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('session_id', 'uuid', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('actor', 'text')
    .addColumn('data', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await sql`create index session_events_session on session_events (session_id, id desc)`.execute(db);

  // One row per applied activity flush: a flush retried after an ambiguous failure (the commit
  // may or may not have happened) is recognised and skipped, so counters never exceed the truth.
  await db.schema
    .createTable('activity_flushes')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('applied_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('activity_flushes').execute();
  await db.schema.dropTable('session_events').execute();
  await db.schema.dropTable('sessions').execute();
}
