import { sql, type RawBuilder } from 'kysely';
import type { DatabaseHandle } from '../../db/database.js';
import { translatingErrors } from '../../db/errors.js';
import type { RiskFlag } from '../../enrich/types.js';
import { expiry } from '../lifetime.js';
import type { ListStatus } from '../vocabulary.js';
import { RESOURCE_COLUMNS, type ResourceRow } from './columns.js';

// Sessions across users found by where they came from and when: incident search, and the match of
// a bulk revoke. Each filter has an index that yields its matches newest first (ids are UUID v7 of
// the login time, so id order is login order): sessions_ip, sessions_country, sessions_flagged,
// and the primary key for time ranges.

export interface IncidentFilter {
  /** A canonical address. */
  ip?: string;
  /** A network: its CIDR text, its first address (as a network) and its last one. */
  network?: { cidr: string; first: string; last: string };
  countryCode?: string;
  flag?: RiskFlag;
  /** Logins at or after this instant. */
  createdAfter?: Date;
  /** Logins before this instant. */
  createdBefore?: Date;
}

/** The smallest UUID v7 of a millisecond: every id minted at or after it compares greater or equal. */
function uuidFloor(at: Date): string {
  const hex = Math.max(0, at.getTime()).toString(16).padStart(12, '0').slice(-12);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-000000000000`;
}

const inet = sql`(ip::inet)`;

/** The SQL condition of a filter; `now` decides which sessions are still usable. */
export function matching(filter: IncidentFilter, status: ListStatus, now: Date): RawBuilder<boolean> {
  const parts: Array<RawBuilder<boolean>> = [];
  if (filter.ip !== undefined) parts.push(sql`ip is not null and ${inet} = ${filter.ip}::inet`);
  // The explicit bounds are the index range, whatever the plan; <<= keeps the match exact.
  if (filter.network !== undefined) {
    const { cidr, first, last } = filter.network;
    parts.push(sql`ip is not null and ${inet} >= ${first}::inet and ${inet} <= ${last}::inet and ${inet} <<= ${cidr}::inet`);
  }
  if (filter.countryCode !== undefined) parts.push(sql`location is not null and (location ->> 'countryCode') = ${filter.countryCode}`);
  if (filter.flag !== undefined)
    parts.push(sql`risk -> 'flags' <> '[]'::jsonb and risk -> 'flags' @> ${JSON.stringify([filter.flag])}::jsonb`);
  // The id bound lets the primary key serve a time range; created_at keeps the match exact.
  if (filter.createdAfter !== undefined)
    parts.push(sql`id >= ${uuidFloor(filter.createdAfter)}::uuid and created_at >= ${filter.createdAfter}`);
  if (filter.createdBefore !== undefined)
    parts.push(sql`id < ${uuidFloor(filter.createdBefore)}::uuid and created_at < ${filter.createdBefore}`);
  if (status === 'active') parts.push(sql`ended_at is null and not ${expiry.isExpired(now)}`);
  if (status === 'ended') parts.push(sql`(ended_at is not null or ${expiry.isExpired(now)})`);
  if (parts.length === 0) return sql<boolean>`true`;
  return sql<boolean>`(${sql.join(parts, sql` and `)})`;
}

export function createIncidentsRepository({ db }: DatabaseHandle) {
  return translatingErrors({
    /** Up to `limit` matching sessions, newest login first, before the id `beforeId` when given. */
    async page(match: RawBuilder<boolean>, beforeId: string | null, limit: number): Promise<ResourceRow[]> {
      const before = beforeId === null ? sql<boolean>`true` : sql<boolean>`id < ${beforeId}::uuid`;
      const { rows } = await sql<ResourceRow>`
        select ${sql.join(RESOURCE_COLUMNS.map((c) => sql.ref(c)))} from sessions
        where ${match} and ${before}
        order by id desc
        limit ${limit}`.execute(db);
      return rows;
    },

    /** How many sessions match, counting no further than `most`. */
    async countUpTo(match: RawBuilder<boolean>, most: number): Promise<number> {
      const { rows } = await sql<{ n: string }>`select count(*) as n from (select 1 from sessions where ${match} limit ${most}) m`.execute(
        db,
      );
      return Number(rows[0]?.n ?? 0);
    },

    /** How many sessions match. */
    async count(match: RawBuilder<boolean>): Promise<number> {
      const { rows } = await sql<{ n: string }>`select count(*) as n from sessions where ${match}`.execute(db);
      return Number(rows[0]?.n ?? 0);
    },
  });
}

export type IncidentsRepository = ReturnType<typeof createIncidentsRepository>;
