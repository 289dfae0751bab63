import { sql, type Kysely } from 'kysely';

// Lifecycle events out: an outbox written by the statements that change sessions, webhook
// endpoints, and one delivery row per event and endpoint.
//
// Every statement that changes a session already records a row in session_events in that same
// statement. A statement-level trigger on session_events turns the rows that matter into outbox
// events, so the change and its event commit or roll back together without any application code
// having to remember to write both. Heartbeats write no session_events rows and never reach it.
export async function up(db: Kysely<any>): Promise<void> {
  // seq is taken when a row is inserted, not when it commits, so a reader walking seq could pass a
  // row whose transaction commits later. The feed and the fan-out read `position` instead: a
  // single writer at a time (the dispatch, see outbox-events.ts) stamps committed rows in seq
  // order with the next positions, so a row only ever appears after every position already read.
  await sql`
    create table outbox_events (
      seq bigint generated always as identity primary key,
      id uuid not null default gen_random_uuid(),
      type text not null,
      session_id uuid not null,
      user_id text,
      occurred_at timestamptz not null,
      data jsonb not null,
      created_at timestamptz not null default now(),
      position bigint
    )`.execute(db);
  await sql`create unique index outbox_events_position on outbox_events (position) where position is not null`.execute(db);
  await sql`create index outbox_events_unstamped on outbox_events (seq) where position is null`.execute(db);
  // Erasure deletes a user's events by user id; the events of an erasure itself carry none.
  await sql`create index outbox_events_user on outbox_events (user_id) where user_id is not null`.execute(db);

  // The last position stamped: one row, locked by the one instance stamping at a time.
  await sql`
    create table event_dispatch (
      id smallint primary key check (id = 1),
      last_position bigint not null
    )`.execute(db);
  await sql`insert into event_dispatch (id, last_position) values (1, 0)`.execute(db);

  await sql`
    create table webhook_endpoints (
      id uuid primary key,
      url text not null,
      description text,
      event_types text[],
      format text not null,
      enabled boolean not null default true,
      disabled_reason text,
      disabled_at timestamptz,
      secret bytea not null,
      previous_secret bytea,
      previous_secret_expires_at timestamptz,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      last_success_at timestamptz
    )`.execute(db);

  // next_attempt_at doubles as the lease: a claim moves it past the delivery timeout, so a
  // delivery whose instance died is claimed again once that time passes.
  await sql`
    create table webhook_deliveries (
      id bigint generated always as identity primary key,
      endpoint_id uuid not null references webhook_endpoints (id) on delete cascade,
      event_seq bigint not null references outbox_events (seq) on delete cascade,
      session_id uuid not null,
      state text not null default 'pending',
      attempts integer not null default 0,
      next_attempt_at timestamptz not null default now(),
      first_attempt_at timestamptz,
      delivered_at timestamptz,
      attempt_log jsonb not null default '[]'::jsonb,
      created_at timestamptz not null default now()
    )`.execute(db);
  // Claims read each endpoint's due deliveries in order, a few at a time.
  await sql`create index webhook_deliveries_due on webhook_deliveries (endpoint_id, next_attempt_at, id) where state = 'pending'`.execute(
    db,
  );
  // The earlier undelivered event of the same session and endpoint holds back the later ones.
  await sql`create index webhook_deliveries_chain on webhook_deliveries (endpoint_id, session_id, event_seq) where state = 'pending'`.execute(
    db,
  );
  await sql`create index webhook_deliveries_event on webhook_deliveries (event_seq)`.execute(db);
  await sql`create index webhook_deliveries_endpoint on webhook_deliveries (endpoint_id, id desc)`.execute(db);

  await sql`
    create function outbox_from_session_events() returns trigger language plpgsql as $$
    begin
      insert into outbox_events (type, session_id, user_id, occurred_at, data)
      select o.type, n.session_id, o.user_id, n.at, o.data
      from inserted n
      cross join lateral (
        select 1 as k, 'session.created' as type, n.user_id as user_id,
          jsonb_build_object('sessionId', n.session_id, 'userId', n.user_id, 'countryCode', n.data -> 'countryCode',
            'flags', coalesce(n.data -> 'flags', '[]'::jsonb), 'actor', n.actor) as data
        where n.type = 'login'
        union all
        select 2, 'session.flagged', n.user_id,
          jsonb_build_object('sessionId', n.session_id, 'userId', n.user_id, 'flags', n.data -> 'flags',
            'reasons', (select coalesce(jsonb_agg(r), '[]'::jsonb) from sessions s, jsonb_array_elements(s.risk -> 'reasons') r
                        where s.id = n.session_id and (n.data -> 'flags') ? (r ->> 'flag')))
        where n.type in ('login', 'flagged') and jsonb_typeof(n.data -> 'flags') = 'array' and jsonb_array_length(n.data -> 'flags') > 0
        union all
        -- An erasure leaves no user id behind, not even in the event that reports it.
        select 3, 'session.ended', case when n.data ->> 'reason' = 'erased' then null else n.user_id end,
          jsonb_build_object('sessionId', n.session_id, 'userId', case when n.data ->> 'reason' = 'erased' then null else n.user_id end,
            'reason', n.data -> 'reason', 'actor', n.actor)
        where n.type in ('ended', 'expired')
        union all
        select 4, 'session.location_changed', n.user_id,
          jsonb_build_object('sessionId', n.session_id, 'userId', n.user_id, 'from', jsonb_build_object('countryCode', n.data -> 'from'),
            'to', jsonb_build_object('countryCode', n.data -> 'to'))
        where n.type = 'country_changed'
        union all
        select 5, 'session.reviewed', n.user_id,
          jsonb_build_object('sessionId', n.session_id, 'userId', n.user_id, 'state', n.data -> 'state', 'actor', n.actor)
        where n.type = 'reviewed'
      ) o
      order by n.id, o.k;
      -- Ends wake the delivery workers at once; the statements that end sessions notify anyway, so
      -- their commit already pays for it. Everything else is found by polling.
      if exists (select 1 from inserted where type in ('ended', 'expired')) then
        perform pg_notify('session_registry_events', '');
      end if;
      return null;
    end
    $$`.execute(db);
  await sql`
    create trigger session_events_outbox after insert on session_events
    referencing new table as inserted
    for each statement execute function outbox_from_session_events()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger session_events_outbox on session_events`.execute(db);
  await sql`drop function outbox_from_session_events()`.execute(db);
  await db.schema.dropTable('webhook_deliveries').execute();
  await db.schema.dropTable('webhook_endpoints').execute();
  await db.schema.dropTable('event_dispatch').execute();
  await db.schema.dropTable('outbox_events').execute();
}
