import { sql, type Kysely } from 'kysely';

// Account controls: a user-chosen name, the "Was this you?" review, the mark left by address
// retention, and the indexes of incident search and erasure.
//
// The new columns are nullable or have a constant default, so adding them rewrites nothing. No new
// index covers an activity column (last_active_at, page_views, heartbeats): activity flushes stay
// HOT updates. The indexed ip, location and risk change only when a session moves to a new address.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table sessions
      add column name text,
      add column review_state text not null default 'unreviewed',
      add column reviewed_at timestamptz,
      add column addresses_reduced_at timestamptz`.execute(db);
  await sql`alter table sessions add constraint sessions_review_state check (review_state in ('unreviewed', 'confirmed', 'reported'))`.execute(
    db,
  );

  // Incident search across users, each walked newest first (ids are UUID v7: id order is login order).
  // Addresses are compared as inet so that a network filter is a range of this index; explicit
  // bounds make that hold for prepared (generic) plans too.
  await sql`create index sessions_ip on sessions ((ip::inet), id) where ip is not null`.execute(db);
  await sql`create index sessions_country on sessions ((location ->> 'countryCode'), id) where location is not null`.execute(db);
  await sql`create index sessions_flagged on sessions (id) where risk -> 'flags' <> '[]'::jsonb`.execute(db);
  // Address retention finds ended sessions whose addresses are still whole, oldest end first.
  await sql`create index sessions_address_retention on sessions (ended_at) where ended_at is not null and addresses_reduced_at is null`.execute(
    db,
  );
  // Erasure and export read every event of one user.
  await sql`create index session_events_user on session_events (user_id, id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index session_events_user`.execute(db);
  for (const index of ['sessions_address_retention', 'sessions_flagged', 'sessions_country', 'sessions_ip'])
    await sql`drop index ${sql.id(index)}`.execute(db);
  await sql`alter table sessions drop constraint sessions_review_state`.execute(db);
  await sql`
    alter table sessions
      drop column addresses_reduced_at,
      drop column reviewed_at,
      drop column review_state,
      drop column name`.execute(db);
}
