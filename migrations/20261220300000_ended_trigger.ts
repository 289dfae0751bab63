import { sql, type Kysely } from 'kysely';

// Every end is announced by the database itself. A row trigger stamps the moment an end is
// written, in the database's own time (`ended_logged_at`), and a statement-level trigger sends the
// ends a statement made to every instance, in batched notices (NOTIFY is delivered on commit, so a
// rolled-back end is never announced). An instance whose LISTEN connection was lost catches up by
// reading what was logged since it last heard (sessions_ended_logged), without trusting any
// instance's clock. A session deleted while active (or within an hour of its end, as an erasure
// does) leaves its id in session_removals for an hour, so a catch-up finds it too.
//
// The channel and the notice format are those of src/sessions/repositories/revocation-feed.ts.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table sessions add column ended_logged_at timestamptz`.execute(db);
  await sql`create index sessions_ended_logged on sessions (ended_logged_at) where ended_logged_at is not null`.execute(db);
  await sql`
    create table session_removals (
      session_id uuid not null,
      removed_at timestamptz not null
    )`.execute(db);
  await sql`create index session_removals_at on session_removals (removed_at)`.execute(db);

  await sql`
    create function sessions_log_end() returns trigger language plpgsql as $$
    begin
      new.ended_logged_at := clock_timestamp();
      return new;
    end
    $$`.execute(db);
  await sql`
    create trigger sessions_end_logged before update on sessions
    for each row when (old.ended_at is null and new.ended_at is not null)
    execute function sessions_log_end()`.execute(db);

  // Notices: JSON arrays of {id, userId, endedAt, reason}, at most 40 ends and about 6000 bytes each
  // (NOTIFY's cap is 8000 bytes). Most updates (activity flushes) touch active rows only: the
  // filter on new rows leaves nothing to join.
  await sql`
    create function sessions_announce(ends json) returns void language plpgsql as $$
    begin
      perform pg_notify('session_registry_ended', payload)
      from (
        select '[' || string_agg(item, ',' order by rn) || ']' as payload
        from (
          select item, row_number() over w as rn, sum(octet_length(item)) over w as bytes
          from (select e ->> 'id' as id, e::text as item from json_array_elements(ends) e) i
          window w as (order by id rows unbounded preceding)
        ) notice
        group by (rn - 1) / 40, (bytes - 1) / 6000
      ) slices;
    end
    $$`.execute(db);
  await sql`
    create function sessions_announce_ends() returns trigger language plpgsql as $$
    declare
      ends json;
    begin
      select json_agg(row_to_json(x)) into ends
      from (
        select n.id, n.user_id as "userId", to_char(n.ended_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "endedAt", n.end_reason as reason
        from new_rows n
        where n.ended_at is not null and exists (select 1 from old_rows o where o.id = n.id and o.ended_at is null)
      ) x;
      if ends is not null then
        perform sessions_announce(ends);
      end if;
      return null;
    end
    $$`.execute(db);
  await sql`
    create trigger sessions_ends_announced after update on sessions
    referencing old table as old_rows new table as new_rows
    for each statement execute function sessions_announce_ends()`.execute(db);

  await sql`
    create function sessions_announce_removals() returns trigger language plpgsql as $$
    declare
      ends json;
    begin
      insert into session_removals (session_id, removed_at)
      select o.id, clock_timestamp() from old_rows o
      where o.ended_at is null or o.ended_logged_at > clock_timestamp() - interval '1 hour';
      delete from session_removals where removed_at < clock_timestamp() - interval '1 hour';
      select json_agg(row_to_json(x)) into ends
      from (
        select o.id, o.user_id as "userId", to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "endedAt", 'erased' as reason
        from old_rows o where o.ended_at is null
      ) x;
      if ends is not null then
        perform sessions_announce(ends);
      end if;
      return null;
    end
    $$`.execute(db);
  await sql`
    create trigger sessions_removals_announced after delete on sessions
    referencing old table as old_rows
    for each statement execute function sessions_announce_removals()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger sessions_removals_announced on sessions`.execute(db);
  await sql`drop trigger sessions_ends_announced on sessions`.execute(db);
  await sql`drop trigger sessions_end_logged on sessions`.execute(db);
  await sql`drop function sessions_announce_removals()`.execute(db);
  await sql`drop function sessions_announce_ends()`.execute(db);
  await sql`drop function sessions_announce(json)`.execute(db);
  await sql`drop function sessions_log_end()`.execute(db);
  await db.schema.dropTable('session_removals').execute();
  await sql`drop index sessions_ended_logged`.execute(db);
  await sql`alter table sessions drop column ended_logged_at`.execute(db);
}
