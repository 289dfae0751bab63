import { sql, type RawBuilder } from 'kysely';
import type { DatabaseHandle } from '../../db/database.js';
import { translatingErrors } from '../../db/errors.js';
import type { EventType } from '../vocabulary.js';

// Address retention: once a session has been ended long enough, its full addresses, in the
// session and in its events, are replaced by their networks (IPv4 /24, IPv6 /48) and its
// coordinates dropped. The country, region, city and time zone stay.

/** The event fields that hold an address, by event type. A new event carrying one is added here. */
export const ADDRESS_FIELDS: Partial<Record<EventType, readonly string[]>> = {
  login: ['ip'],
  ip_changed: ['from', 'to'],
};

/**
 * The network of an address held as text (an address, or a network already: then unchanged), null
 * for anything else. Stored addresses are all canonical; the pattern keeps a stray value from
 * failing the cast, and with it the whole batch.
 */
const networkOf = (value: RawBuilder<string | null>) => sql<string | null>`
  (case when ${value} ~ '^[0-9A-Fa-f:.]{2,45}(/[0-9]{1,3})?$'
        then network(set_masklen((${value})::inet, case when family((${value})::inet) = 4 then 24 else 48 end))::text end)`;

/** `data` with each of `fields` that is present replaced by its network (a JSON null when it is none). */
function reducedData(fields: readonly string[]): RawBuilder<unknown> {
  let data: RawBuilder<unknown> = sql`data`;
  for (const field of fields) {
    const path = `{${field}}`;
    data = sql`jsonb_set(${data}, ${path}::text[], coalesce(to_jsonb(${networkOf(sql`data ->> ${field}`)}), 'null'::jsonb), false)`;
  }
  return data;
}

const COORDINATES_DROPPED = JSON.stringify({ latitude: null, longitude: null, accuracyRadiusKm: null });

export function createAddressRetentionRepository({ db }: DatabaseHandle) {
  return translatingErrors({
    /**
     * Reduces the addresses of up to `limit` sessions ended before `before` (oldest end first,
     * through sessions_address_retention) and of their events, in one statement; how many
     * sessions. Rows another transaction holds are left to the next round.
     */
    async reduceBatch(before: Date, at: Date, limit: number): Promise<number> {
      const types = Object.keys(ADDRESS_FIELDS);
      const cases = Object.entries(ADDRESS_FIELDS).map(([type, fields]) => sql`when ${type} then ${reducedData(fields ?? [])}`);
      const { rows } = await sql<{ n: number }>`
        with batch as (
          select id from sessions
          where ended_at < ${before} and addresses_reduced_at is null
          order by ended_at
          limit ${limit}
          for update skip locked
        ),
        events as (
          update session_events set data = case type ${sql.join(cases, sql` `)} else data end
          where session_id = any(array(select id from batch)) and type = any(${types}::text[])
        ),
        reduced as (
          update sessions s set
            ip = ${networkOf(sql`s.ip`)},
            location = case when s.location is null or jsonb_typeof(s.location) <> 'object' then s.location else s.location || ${COORDINATES_DROPPED}::jsonb end,
            addresses_reduced_at = ${at}
          from batch b where s.id = b.id
          returning s.id
        )
        select count(*)::int as n from reduced`.execute(db);
      return rows[0]?.n ?? 0;
    },
  });
}

export type AddressRetentionRepository = ReturnType<typeof createAddressRetentionRepository>;
