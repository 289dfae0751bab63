import { sql, type Kysely } from 'kysely';

// Where each webhook endpoint has pointed: every URL it was given (at creation and each change),
// by whom and when, as hosts only (a path may carry a receiver's own token). Kept apart from
// webhook_endpoints and without a foreign key, so deleting an endpoint does not erase whom it sent
// events to.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table webhook_url_changes (
      id bigint generated always as identity primary key,
      endpoint_id uuid not null,
      changed_at timestamptz not null,
      changed_by text not null,
      old_host text,
      new_host text not null
    )`.execute(db);
  await sql`create index webhook_url_changes_endpoint on webhook_url_changes (endpoint_id, id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table webhook_url_changes`.execute(db);
}
