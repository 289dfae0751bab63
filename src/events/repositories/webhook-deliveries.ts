import { sql } from 'kysely';
import type { DatabaseHandle } from '../../db/database.js';
import { translatingErrors } from '../../db/errors.js';
import { builtStatement } from '../../db/statements.js';
import type { AttemptEntry, WebhookDeliveryRow } from '../../db/types.js';

// Deliveries: claimed by any instance with FOR UPDATE SKIP LOCKED, leased by moving
// next_attempt_at past the attempt's timeout, and settled with the attempt's outcome. Database
// time rules the schedule and the leases: it is the one clock every instance shares.

/** A delivery as a worker needs it: the event, the endpoint and its sealed secrets. */
export interface ClaimedDelivery {
  id: string;
  attempts: number;
  eventId: string;
  eventType: string;
  occurredAt: Date;
  data: Record<string, unknown>;
  sessionId: string;
  endpointId: string;
  url: string;
  format: 'standard' | 'caep';
  secret: Buffer;
  /** The rotated-out secret while its grace period lasts. */
  previousSecret: Buffer | null;
}

/** What became of one attempt. */
export interface DeliveryOutcome {
  id: string;
  outcome: 'delivered' | 'retry' | 'failed';
  /** With retry: how long until the next attempt. */
  delayMs: number;
  attempt: AttemptEntry;
}

export interface DeliveryListRow extends Pick<
  WebhookDeliveryRow,
  'id' | 'state' | 'attempts' | 'next_attempt_at' | 'delivered_at' | 'attempt_log' | 'created_at'
> {
  event_id: string;
  event_type: string;
}

// The delivery worker runs claims and settlements many times a second: named statements, which
// each connection plans once.
const CLAIM = builtStatement(
  'sr_claim_deliveries',
  (limit: number, leaseMs: number, perEndpoint: number, skipEndpoints: string[]) => sql<ClaimedDelivery>`
    with candidates as (
      select c.id from (select id from webhook_endpoints where enabled and not (id = any(${skipEndpoints}::uuid[])) order by random()) w
      cross join lateral (
        select d.id from webhook_deliveries d
        where d.endpoint_id = w.id and d.state = 'pending' and d.next_attempt_at <= now()
          -- The first undelivered event of its session: a correlated subquery, so that it is
          -- always an index probe, whatever the statistics of a table that changes this fast.
          and d.event_seq = (
            select p.event_seq from webhook_deliveries p
            where p.endpoint_id = d.endpoint_id and p.session_id = d.session_id and p.state = 'pending'
            order by p.event_seq limit 1
          )
        order by d.next_attempt_at, d.id
        limit ${perEndpoint}
      ) c
      limit ${limit}
    ),
    locked as (
      select id from webhook_deliveries
      where id = any(array(select id from candidates)) and state = 'pending' and next_attempt_at <= now()
      for update skip locked
    ),
    claimed as (
      update webhook_deliveries d set next_attempt_at = now() + make_interval(secs => ${leaseMs / 1000}),
        first_attempt_at = coalesce(d.first_attempt_at, now())
      from locked where d.id = locked.id
      returning d.id, d.attempts, d.event_seq, d.endpoint_id
    )
    select c.id, c.attempts, e.id as "eventId", e.type as "eventType", e.occurred_at as "occurredAt", e.data,
      e.session_id as "sessionId", w.id as "endpointId", w.url, w.format, w.secret,
      case when w.previous_secret_expires_at > now() then w.previous_secret end as "previousSecret"
    from claimed c
    join outbox_events e on e.seq = c.event_seq
    join webhook_endpoints w on w.id = c.endpoint_id
    order by e.seq`,
);

const SETTLE = builtStatement(
  'sr_settle_deliveries',
  (outcomes: DeliveryOutcome[]) => sql<{ id: string }>`
    with r as (
      select * from unnest(${outcomes.map((o) => o.id)}::bigint[], ${outcomes.map((o) => o.outcome)}::text[],
                           ${outcomes.map((o) => o.delayMs)}::bigint[], ${outcomes.map((o) => JSON.stringify(o.attempt))}::jsonb[])
        as r(id, outcome, delay_ms, attempt)
    ),
    settled as (
      update webhook_deliveries d set
        state = case r.outcome when 'retry' then 'pending' else r.outcome end,
        attempts = d.attempts + 1,
        next_attempt_at = case when r.outcome = 'retry' then now() + make_interval(secs => r.delay_ms / 1000.0) else d.next_attempt_at end,
        delivered_at = case when r.outcome = 'delivered' then now() end,
        attempt_log = d.attempt_log || jsonb_build_array(r.attempt)
      from r where d.id = r.id and d.state = 'pending'
      returning d.endpoint_id, r.outcome, d.first_attempt_at
    ),
    per_endpoint as (
      select endpoint_id, bool_or(outcome = 'delivered') as succeeded,
        min(first_attempt_at) filter (where outcome = 'failed') as failing_since
      from settled group by endpoint_id
    ),
    endpoints as (
      update webhook_endpoints w set
        last_success_at = case when p.succeeded then now() else w.last_success_at end,
        enabled = case when p.succeeded then w.enabled else false end,
        disabled_reason = case when p.succeeded then w.disabled_reason else 'failing' end,
        disabled_at = case when p.succeeded then w.disabled_at else now() end,
        updated_at = case when p.succeeded then w.updated_at else now() end
      from per_endpoint p
      where w.id = p.endpoint_id and (
        -- A success is written at most every few seconds: the row is shared by every delivery.
        (p.succeeded and (w.last_success_at is null or w.last_success_at < now() - interval '5 seconds'))
        or (not p.succeeded and w.enabled and p.failing_since is not null and (w.last_success_at is null or w.last_success_at < p.failing_since)
            -- last_success_at lags behind: the deliveries themselves say whether any succeeded since.
            and not exists (select 1 from webhook_deliveries x where x.endpoint_id = w.id and x.delivered_at >= p.failing_since))
      )
      returning w.id, p.succeeded
    )
    select id from endpoints where not succeeded`,
);

export function createWebhookDeliveriesRepository({ db, run }: DatabaseHandle) {
  return translatingErrors({
    /**
     * Claims up to `limit` due deliveries of enabled endpoints (taken in a random order, so none
     * is always served last), at most `perEndpoint` of any one endpoint and none of the
     * `skipEndpoints` (this instance's share of them is taken), and leases them for `leaseMs`. A delivery waits while an earlier event of the same session is
     * undelivered to the same endpoint: each endpoint sees a session's events in order.
     */
    async claim(limit: number, leaseMs: number, perEndpoint: number, skipEndpoints: string[]): Promise<ClaimedDelivery[]> {
      return run(CLAIM.bind(limit, leaseMs, perEndpoint, skipEndpoints));
    },

    /**
     * Settles attempts in one statement: delivered, retried after a delay, or failed for good.
     * An endpoint whose delivery failed for good without any success since that delivery's first
     * attempt has failed for the whole schedule: it is disabled. Returns the endpoints disabled.
     */
    async settle(outcomes: DeliveryOutcome[]): Promise<string[]> {
      if (outcomes.length === 0) return [];
      const rows = await run(SETTLE.bind(outcomes));
      return rows.map((r) => r.id);
    },

    /** Gives claimed deliveries back at once (an instance closing with attempts unfinished). */
    async release(ids: string[]): Promise<void> {
      if (ids.length === 0) return;
      await sql`update webhook_deliveries set next_attempt_at = now() where id = any(${ids}::bigint[]) and state = 'pending'`.execute(db);
    },

    /** An endpoint's deliveries, newest first, before the delivery `beforeId` when given. */
    async list(endpointId: string, options: { limit: number; beforeId: string | null; state: string | null }): Promise<DeliveryListRow[]> {
      let query = db
        .selectFrom('webhook_deliveries as d')
        .innerJoin('outbox_events as e', 'e.seq', 'd.event_seq')
        .select([
          'd.id',
          'd.state',
          'd.attempts',
          'd.next_attempt_at',
          'd.delivered_at',
          'd.attempt_log',
          'd.created_at',
          'e.id as event_id',
          'e.type as event_type',
        ])
        .where('d.endpoint_id', '=', endpointId);
      if (options.beforeId !== null) query = query.where('d.id', '<', options.beforeId);
      if (options.state !== null) query = query.where('d.state', '=', options.state as DeliveryListRow['state']);
      return query.orderBy('d.id', 'desc').limit(options.limit).execute();
    },
  });
}

export type WebhookDeliveriesRepository = ReturnType<typeof createWebhookDeliveriesRepository>;
