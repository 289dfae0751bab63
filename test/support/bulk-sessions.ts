import type pg from 'pg';

// Many sessions written directly (tens of thousands in a second or two), shaped as login writes
// them: ids are UUID v7 of their login time, one login event each.

export interface BulkSessions {
  count: number;
  /** Each session's user; `{n}` is replaced by the session's number (0-based). */
  user: string;
  ip: string | null;
  createdAt: Date;
  /** Sessions' logins are one millisecond apart from createdAt on. */
  userAgent?: string;
  countryCode?: string;
  flags?: string[];
  ended?: { at: Date; reason: string };
}

export async function insertBulkSessions(client: pg.Client, options: BulkSessions): Promise<string[]> {
  const location = options.countryCode
    ? JSON.stringify({
        countryCode: options.countryCode,
        country: null,
        flag: null,
        region: null,
        city: null,
        latitude: 51.5,
        longitude: -0.1,
        accuracyRadiusKm: 20,
        timeZone: 'Europe/London',
      })
    : null;
  const { rows } = await client.query<{ id: string }>(
    `with src as (
       select g, $3::timestamptz + make_interval(secs => g / 1000.0) as at from generate_series(0, $1::int - 1) g
     ), ins as (
       insert into sessions (id, user_id, token_hash, created_at, last_active_at, idle_timeout_seconds, max_age_seconds,
                             absolute_expires_at, expiry_check_at, ip, user_agent, agent, device_key, location, risk,
                             ended_at, end_reason, ended_by)
       select (lpad(to_hex((extract(epoch from at) * 1000)::bigint), 12, '0') || '7' || substr(m, 1, 3) || '8' || substr(m, 4, 15))::uuid,
              replace($2::text, '{n}', g::text), '\\x00', at, at, 1209600, 7776000, at + interval '90 days', at + interval '14 days',
              $4::text, $5::text, '{"device":{"type":"desktop","vendor":null,"model":null},"os":{"name":null,"version":null},"browser":{"name":null,"version":null},"client":{"kind":"browser","name":null,"version":null},"label":"Bulk"}',
              'bulk-device', $6::jsonb, jsonb_build_object('flags', $7::jsonb, 'reasons', '[]'::jsonb),
              $8::timestamptz, $9::text, case when $9::text is null then null else 'service:test' end
       from src cross join lateral (select md5(g::text || random()::text) as m) r
       returning id, user_id, created_at, ip
     ), events as (
       insert into session_events (session_id, user_id, at, type, actor, data)
       select id, user_id, created_at, 'login', 'service:test', jsonb_build_object('ip', ip) from ins
     )
     select id from ins order by id`,
    [
      options.count,
      options.user,
      options.createdAt,
      options.ip,
      options.userAgent ?? null,
      location,
      JSON.stringify(options.flags ?? []),
      options.ended?.at ?? null,
      options.ended?.reason ?? null,
    ],
  );
  return rows.map((r) => r.id);
}
