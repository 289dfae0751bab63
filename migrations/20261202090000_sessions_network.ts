import { sql, type Kysely } from 'kysely';

// The network an address belongs to ({ asn, organization }), written with the location at login
// and on an address change. Nullable with no default: adding it rewrites nothing, and sessions
// from before it read as "network unknown".
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table sessions add column network jsonb`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table sessions drop column network`.execute(db);
}
