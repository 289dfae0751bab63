import { sql, type Kysely } from 'kysely';

// expiry_check_at is a lower bound of when a session can expire, so the sweeper finds due
// sessions through a small partial index instead of evaluating every active row. Activity flushes
// never write it (they stay HOT); a heartbeat only moves the real expiry later, so the bound holds.
// The sweeper moves it forward when it finds a session that was active since.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table sessions add column expiry_check_at timestamptz`.execute(db);
  // The backfill is a table rewrite (ALTER TYPE ... USING), not an UPDATE: one pass that writes
  // every row once and rebuilds the indexes in bulk, with no dead row version left behind and the
  // pages' HOT room (fill factor) intact. The table is locked for this migration either way.
  await sql`
    alter table sessions
      alter column expiry_check_at type timestamptz
        using least(absolute_expires_at, last_active_at + make_interval(secs => idle_timeout_seconds)),
      alter column expiry_check_at set not null`.execute(db);
  await sql`create index sessions_expiry_check on sessions (expiry_check_at) where ended_at is null`.execute(db);
  // Superseded: expiry_check_at is never later than absolute_expires_at.
  await sql`drop index sessions_absolute_expiry`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`create index sessions_absolute_expiry on sessions (absolute_expires_at) where ended_at is null`.execute(db);
  await sql`alter table sessions drop column expiry_check_at`.execute(db);
}
