import { sql } from 'kysely';
import type { DatabaseHandle } from '../../db/database.js';
import type { SessionRow } from '../../db/types.js';
import { translatingErrors } from '../../db/errors.js';
import { namedStatement } from '../../db/statements.js';
import type { ClientHints, DeviceInfo, Location, Network, Risk } from '../../enrich/types.js';
import { STATE_COLUMNS, type StateRow } from './columns.js';
import { eventRows, type EventInput } from './session-events.js';

// Statements about one session at a time (login, reads, changes of address or device) and the
// batched re-derivation of device fields. Every statement is scoped by a session id or a user id,
// so the table can be distributed by user_id without rewriting queries.

/** A session as login writes it: every column but the ones the database fills. */
export type NewSessionRow = Omit<
  SessionRow,
  | 'ended_at'
  | 'end_reason'
  | 'ended_by'
  | 'ended_logged_at'
  | 'page_views'
  | 'heartbeats'
  | 'name'
  | 'review_state'
  | 'reviewed_at'
  | 'addresses_reduced_at'
>;

export const INSERT_COLUMNS = [
  'id',
  'user_id',
  'token_hash',
  'created_at',
  'last_active_at',
  'idle_timeout_seconds',
  'max_age_seconds',
  'absolute_expires_at',
  'expiry_check_at',
  'ip',
  'user_agent',
  'client_hints',
  'parser_version',
  'agent',
  'client_input',
  'device_id',
  'device_key',
  'location',
  'network',
  'risk',
  'label',
  'login_method',
  'metadata',
] as const satisfies ReadonlyArray<keyof NewSessionRow>;
const JSON_COLUMNS = new Set<string>(['client_hints', 'agent', 'client_input', 'location', 'network', 'risk', 'metadata']);

/** The values of a new row, in INSERT_COLUMNS order, as the driver sends them. */
export const insertValues = (row: NewSessionRow): unknown[] =>
  INSERT_COLUMNS.map((column) => (JSON_COLUMNS.has(column) ? JSON.stringify(row[column]) : row[column]));
const placeholders = (from: number, count: number) => Array.from({ length: count }, (_, i) => `$${from + i}`).join(', ');

// Login runs as a named (prepared) statement with a fixed text: each connection parses and plans
// it once, and no query builder runs per login.
const INSERT = namedStatement(
  'sr_insert_session',
  `
  with inserted as (
    insert into sessions (${INSERT_COLUMNS.join(', ')})
    values (${placeholders(1, INSERT_COLUMNS.length)})
    returning id, user_id
  )
  insert into session_events (session_id, user_id, at, type, actor, data)
  select id, user_id, $${INSERT_COLUMNS.length + 1}, $${INSERT_COLUMNS.length + 2}, $${INSERT_COLUMNS.length + 3}, $${INSERT_COLUMNS.length + 4}
  from inserted`,
);

const STATES_BY_IDS = namedStatement<StateRow, [ids: string[]]>(
  'sr_states_by_ids',
  `select ${STATE_COLUMNS.join(', ')} from sessions where id = any($1::uuid[])`,
);

export function createSessionsRepository({ db, run }: DatabaseHandle) {
  return translatingErrors({
    /** The session and its login event in one statement (atomic, one round trip). */
    async insert(row: NewSessionRow, login: EventInput): Promise<void> {
      const values = insertValues(row);
      values.push(login.at, login.type, login.actor, JSON.stringify(login.data ?? {}));
      await run(INSERT.bind(...values));
    },

    findById(id: string): Promise<SessionRow | undefined> {
      return db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
    },

    /** Several sessions' states in one round trip (a prepared statement; missing ids are left out). */
    async findStatesByIds(ids: string[]): Promise<StateRow[]> {
      return run(STATES_BY_IDS.bind(ids));
    },

    /**
     * A new address on an active session whose address is still `expectedIp` (the one the change
     * was computed from), and its events, in one statement. Whether it applied: of several
     * statements bringing the same change at once, one applies and records the events; the others
     * find the address moved (the row lock makes them re-check it) and write nothing.
     */
    async updateNetwork(
      id: string,
      expectedIp: string | null,
      changes: { ip: string | null; location: Location | null; network: Network | null; risk: Risk },
      events: EventInput[],
    ): Promise<boolean> {
      const { rows } = await sql<{ applied: boolean }>`
        with changed as (
          update sessions set ip = ${changes.ip}, location = ${JSON.stringify(changes.location)}::jsonb,
            network = ${JSON.stringify(changes.network)}::jsonb, risk = ${JSON.stringify(changes.risk)}::jsonb
          where id = ${id} and ended_at is null and ip is not distinct from ${expectedIp}
          returning id
        ), recorded as (
          insert into session_events (session_id, user_id, at, type, actor, data)
          select e.* from (${eventRows(events)}) e where exists (select 1 from changed)
        )
        select exists (select 1 from changed) as applied`.execute(db);
      return rows[0]?.applied === true;
    },

    /**
     * A new User-Agent on an active session whose User-Agent is still `expectedUserAgent`: the raw
     * string and what is derived from it, and its event. Whether it applied (as updateNetwork).
     */
    async updateAgent(
      id: string,
      expectedUserAgent: string | null,
      changes: { userAgent: string; clientHints: ClientHints | null; agent: DeviceInfo; deviceKey: string; parserVersion: string },
      event: EventInput,
    ): Promise<boolean> {
      const { rows } = await sql<{ applied: boolean }>`
        with changed as (
          update sessions set user_agent = ${changes.userAgent}, client_hints = ${JSON.stringify(changes.clientHints)}::jsonb, agent = ${JSON.stringify(changes.agent)}::jsonb,
            device_key = ${changes.deviceKey}, parser_version = ${changes.parserVersion}
          where id = ${id} and ended_at is null and user_agent is not distinct from ${expectedUserAgent}
          returning id
        ), recorded as (
          insert into session_events (session_id, user_id, at, type, actor, data)
          select e.* from (${eventRows([event])}) e where exists (select 1 from changed)
        )
        select exists (select 1 from changed) as applied`.execute(db);
      return rows[0]?.applied === true;
    },

    /** Sessions whose device fields were derived by another parser version, in id order after `afterId`. */
    listStaleAgents(parserVersion: string, afterId: string | null, limit: number) {
      let query = db
        .selectFrom('sessions')
        .select(['id', 'user_agent', 'client_hints', 'client_input', 'device_id'])
        .where(sql<boolean>`parser_version is distinct from ${parserVersion}`);
      if (afterId) query = query.where('id', '>', afterId);
      return query.orderBy('id').limit(limit).execute();
    },

    /**
     * Writes re-derived device fields for a batch in one statement, each row only if what it was
     * derived from (User-Agent, client hints, client input, device id) is still what is stored: a
     * change made meanwhile wrote its own fields with the current parser, and stays. The number written.
     */
    async updateAgents(parserVersion: string, rows: Array<{ source: StaleAgent; agent: DeviceInfo; deviceKey: string }>): Promise<number> {
      if (rows.length === 0) return 0;
      const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));
      const result = await sql`
        update sessions s set agent = u.agent, device_key = u.device_key, parser_version = ${parserVersion}
        from unnest(
          ${rows.map((r) => r.source.id)}::uuid[], ${rows.map((r) => JSON.stringify(r.agent))}::jsonb[],
          ${rows.map((r) => r.deviceKey)}::text[], ${rows.map((r) => r.source.user_agent)}::text[],
          ${rows.map((r) => json(r.source.client_hints))}::jsonb[], ${rows.map((r) => json(r.source.client_input))}::jsonb[],
          ${rows.map((r) => r.source.device_id)}::text[]
        ) as u(id, agent, device_key, user_agent, client_hints, client_input, device_id)
        where s.id = u.id
          and s.user_agent is not distinct from u.user_agent and s.device_id is not distinct from u.device_id
          -- Read back, JSON null and SQL null are both null: the parser sees no difference either.
          and coalesce(s.client_hints, 'null') = coalesce(u.client_hints, 'null')
          and coalesce(s.client_input, 'null') = coalesce(u.client_input, 'null')`.execute(db);
      return Number(result.numAffectedRows ?? 0);
    },
  });
}

export type SessionsRepository = ReturnType<typeof createSessionsRepository>;

/** A stored session's inputs to the User-Agent parser, as `listStaleAgents` reads them. */
export type StaleAgent = Awaited<ReturnType<SessionsRepository['listStaleAgents']>>[number];
