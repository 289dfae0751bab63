// Builds session rows in server-side SQL (INSERT ... SELECT over generate_series): devices come
// from real user agents run through the service's own parser, places from the bundled GeoLite2
// data, and times are spread so that active sessions stay active for days after seeding.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { BUNDLED_CITY_DBS, openGeoLookup } from '../src/enrich/geo/index.js';
import { isPublicIp } from '../src/enrich/ip.js';
import { createUserAgentParser, deviceKey, PARSER_VERSION } from '../src/enrich/user-agent/index.js';

export interface Vocabulary {
  agents: string;
  places: string;
  agentCount: number;
  placeCount: number;
}

/** Parsed devices and located addresses, as JSON the seeding SQL joins against. */
export async function buildVocabulary(): Promise<Vocabulary> {
  const fixtures = JSON.parse(readFileSync(new URL('../test/fixtures/user-agents.json', import.meta.url), 'utf8')) as Array<{
    ua: string;
    hints?: Record<string, string>;
  }>;
  const parser = createUserAgentParser({ cacheSize: 0 });
  const agents = fixtures.map((f, k) => {
    const { isBot, ...info } = parser.parse(f.ua, f.hints ?? null);
    void isBot;
    return { k, user_agent: f.ua, client_hints: f.hints ?? {}, agent: info, device_key: deviceKey(info, null), label: info.label };
  });
  const geo = await openGeoLookup({ cityDbPaths: BUNDLED_CITY_DBS, logger: { warn: () => {}, info: () => {} }, watch: false });
  const places: Array<{ k: number; ip: string; location: unknown }> = [];
  let state = 12345;
  try {
    while (places.length < 256) {
      const octets = Array.from({ length: 4 }, () => {
        state = (Math.imul(state, 1103515245) + 12345) >>> 0;
        return (state >>> 16) & 255;
      });
      const ip = octets.join('.');
      if (!isPublicIp(ip)) continue;
      const location = geo.lookup(ip);
      if (location?.countryCode) places.push({ k: places.length, ip, location });
    }
  } finally {
    await geo.close();
  }
  return { agents: JSON.stringify(agents), places: JSON.stringify(places), agentCount: agents.length, placeCount: places.length };
}

const NEW_DEVICE = JSON.stringify({
  flags: ['new_device'],
  reasons: [{ flag: 'new_device', message: 'First sign-in from this device for this account.' }],
});
const NO_RISK = JSON.stringify({ flags: [], reasons: [] });

/**
 * Inserts the rows a `source` SQL fragment yields (columns r bigint unique per row, user_id text,
 * ended boolean), with a login event each and an end event for ended ones. Returns the new ids.
 * `source` is built by the callers below from integers only.
 */
async function insertRows(
  client: pg.Client,
  vocab: Vocabulary,
  source: string,
  returnIds: boolean,
  ip: string | null = null,
): Promise<string[]> {
  const salt = randomBytes(6).toString('hex');
  // Seeded rows are history, not changes happening now: in this transaction only, triggers (the
  // outbox's among them) do not fire, so no lifecycle events are queued for them.
  await client.query("begin; set local session_replication_role = 'replica'");
  try {
    const rows = await insertStatement(client, vocab, source, returnIds, ip, salt);
    await client.query('commit');
    return rows;
  } catch (error) {
    await client.query('rollback');
    throw error;
  }
}

async function insertStatement(
  client: pg.Client,
  vocab: Vocabulary,
  source: string,
  returnIds: boolean,
  ip: string | null,
  salt: string,
): Promise<string[]> {
  const { rows } = await client.query<{ id: string }>(
    `with ua as (
       select * from jsonb_to_recordset($1::jsonb) as x(k int, user_agent text, client_hints jsonb, agent jsonb, device_key text, label text)
     ), place as (
       select * from jsonb_to_recordset($2::jsonb) as x(k int, ip text, location jsonb)
     ), src as (${source}
     ), hashed as (
       select r, user_id, ended, (r * 2654435761) % 4294967291 as h1, (r * 40503 + 7) % 1000003 as h2,
              (r * 69069 + 3) % 999983 as h3, (r * 1103515245 + 12345) % 2147483647 as h4
       from src
     ), timed as (
       select h.*, t.created_at, t.last_active_at, t.ended_at
       from hashed h
       cross join lateral (
         select case when h.ended
                  then now() - interval '1 hour' - make_interval(secs => h.h1 % 6912000) end as e,
                now() - make_interval(secs => h.h1 % 172800) as la
       ) base
       cross join lateral (
         select coalesce(base.e - make_interval(secs => 600 + h.h2 % 259200), base.la - make_interval(secs => h.h2 % 2592000)) as created_at,
                coalesce(base.e - make_interval(secs => h.h3 % 600), base.la) as last_active_at,
                base.e as ended_at
       ) t
     ), ins as (
       insert into sessions (id, user_id, token_hash, created_at, last_active_at, idle_timeout_seconds, max_age_seconds,
                             absolute_expires_at, ended_at, end_reason, ended_by, page_views, heartbeats, ip, user_agent,
                             client_hints, parser_version, agent, client_input, device_id, device_key, location, risk, label,
                             login_method, metadata, expiry_check_at)
       select
         (lpad(to_hex((extract(epoch from t.created_at) * 1000)::bigint), 12, '0') || '7' || substr(m.m, 1, 3)
           || substr('89ab', (t.h4 % 4)::int + 1, 1) || substr(m.m, 4, 15))::uuid,
         t.user_id, sha256(convert_to(m.m || t.r::text, 'UTF8')), t.created_at, t.last_active_at, 1209600, 7776000,
         t.created_at + interval '90 days', t.ended_at,
         case when t.ended then (array['logout', 'revoked_by_user', 'idle_timeout', 'password_change', 'revoked'])[t.h3 % 5 + 1] end,
         case when t.ended then (array['user', 'user', 'expiry', 'service:auth', 'service:admin'])[t.h3 % 5 + 1] end,
         t.h2 % 300, t.h2 % 300 + t.h3 % 40 + 1, coalesce($9::text, place.ip), ua.user_agent, ua.client_hints, $5, ua.agent, null, null,
         ua.device_key, place.location, case when t.h1 % 20 = 0 then $6::jsonb else $7::jsonb end, null,
         (array['password', 'passkey', 'oauth:google', null])[t.h2 % 4 + 1],
         case when t.h4 % 3 = 0 then '{"tenant":"acme","plan":"pro"}'::jsonb else '{}'::jsonb end,
         least(t.created_at + interval '90 days', t.last_active_at + interval '1209600 seconds')
       from timed t
       cross join lateral (select md5(t.r::text || $8) as m) m
       join ua on ua.k = t.h3 % $3
       join place on place.k = t.h4 % $4
       returning id, user_id, created_at, ended_at, end_reason, ended_by, ip, location, risk
     ), events as (
       insert into session_events (session_id, user_id, at, type, actor, data)
       select id, user_id, created_at, 'login', 'service:seed',
              jsonb_build_object('ip', ip, 'countryCode', location ->> 'countryCode', 'flags', risk -> 'flags')
       from ins
       union all
       select id, user_id, ended_at, 'ended', ended_by, jsonb_build_object('reason', end_reason)
       from ins where ended_at is not null
     )
     select ${returnIds ? 'id' : 'null::uuid as id'} from ins${returnIds ? '' : ' limit 0'}`,
    [vocab.agents, vocab.places, vocab.agentCount, vocab.placeCount, PARSER_VERSION, NEW_DEVICE, NO_RISK, salt, ip],
  );
  return rows.map((r) => r.id);
}

const int = (n: number) => {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`not a count: ${n}`);
  return String(n);
};

/**
 * `users` users named `${prefix}${i}`, each with `active` active and `ended` ended sessions.
 * `rBase` keeps row numbers (the hash input) apart between calls; `ip`, when given, is every
 * session's address instead of one of the vocabulary's places.
 */
export function insertUsers(
  client: pg.Client,
  vocab: Vocabulary,
  options: { prefix: string; users: number; active: number; ended: number; rBase: number; returnIds?: boolean; ip?: string },
): Promise<string[]> {
  const per = options.active + options.ended;
  const prefix = options.prefix.replace(/[^A-Za-z0-9_-]/g, '');
  const source = `select ${int(options.rBase)}::bigint + u * ${int(per)} + s as r, '${prefix}' || u as user_id, s >= ${int(options.active)} as ended
                  from generate_series(0, ${int(options.users - 1)}) u, generate_series(0, ${int(per - 1)}) s`;
  return insertRows(client, vocab, source, options.returnIds ?? false, options.ip ?? null);
}

/** Rows `from`..`to` of the filler population: 5 sessions a user, 2 active and 3 ended. */
export async function insertFiller(client: pg.Client, vocab: Vocabulary, from: number, to: number, rBase: number): Promise<void> {
  const source = `select ${int(rBase)}::bigint + j as r, 'user-' || (j / 5) as user_id, (j % 5) >= 2 as ended
                  from generate_series(${int(from)}, ${int(to)}) j`;
  await insertRows(client, vocab, source, false);
}
