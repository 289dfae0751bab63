// The events figures: what configured webhooks cost a login, a revoke and a heartbeat, how soon a
// revoke's webhook arrives, and how many events a second reach a local receiver.
import { readFileSync } from 'node:fs';
import { HEARTBEAT_BODY, pick, query, type BenchContext } from './context.js';
import { createClient, runLoad, runPaced, summarize, type LoadResult } from './load.js';
import type { Service } from './processes.js';

export interface Arrival {
  at: number;
  id: string;
  type: string;
  sessionId: string;
}

/** The receiver's lines, as they come; `waitFor` resolves when one matches. */
export function watchArrivals(receiver: Service) {
  const all: Arrival[] = [];
  const waiters = new Map<string, (arrival: Arrival) => void>();
  let partial = '';
  receiver.child.stdout?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const [at, id, type, sessionId] = line.split(' ');
      const arrival = { at: Number(at), id, type, sessionId };
      all.push(arrival);
      waiters.get(`${type} ${sessionId}`)?.(arrival);
    }
  });
  return {
    all,
    waitFor(type: string, sessionId: string, timeoutMs = 10_000): Promise<Arrival> {
      const found = all.find((a) => a.type === type && a.sessionId === sessionId);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${type} for ${sessionId} within ${timeoutMs} ms`)), timeoutMs);
        waiters.set(`${type} ${sessionId}`, (arrival) => {
          clearTimeout(timer);
          waiters.delete(`${type} ${sessionId}`);
          resolve(arrival);
        });
      });
    },
  };
}
export type Arrivals = ReturnType<typeof watchArrivals>;

const wallClock = () => performance.timeOrigin + performance.now();
const userAgents = (
  JSON.parse(readFileSync(new URL('../test/fixtures/user-agents.json', import.meta.url), 'utf8')) as Array<{ ua: string }>
).map((f) => f.ua);

export interface PathRound {
  login: LoadResult;
  revoke: LoadResult;
  heartbeat: LoadResult;
}

/** One round of the three paths: logins evenly paced, revokes one at a time, heartbeats under load. */
export async function pathRound(
  ctx: BenchContext,
  registry: Service,
  options: { victims: string[]; heartbeatIds: string[]; loginRate: number; samples: number },
): Promise<PathRound> {
  const base = { url: registry.url, headers: { authorization: `Bearer ${ctx.token}` } };
  const login = await runPaced({
    ...base,
    rate: options.loginRate,
    seconds: ctx.roundSeconds,
    method: 'POST',
    next: () => ({
      path: '/v1/sessions',
      body: JSON.stringify({
        userId: `ev-user-${Math.floor(Math.random() * 5000)}`,
        ip: `81.2.69.${1 + Math.floor(Math.random() * 250)}`,
        userAgent: pick(userAgents),
      }),
    }),
  });
  const revoke = await runLoad({
    ...base,
    connections: 1,
    amount: options.samples,
    method: 'DELETE',
    next: () => ({ path: `/v1/sessions/${options.victims.pop()}` }),
  });
  const heartbeat = await runLoad({
    ...base,
    connections: 50,
    seconds: ctx.roundSeconds,
    method: 'POST',
    body: HEARTBEAT_BODY,
    next: () => ({ path: `/v1/sessions/${pick(options.heartbeatIds)}/heartbeat` }),
  });
  return { login, revoke, heartbeat };
}

/** Waits until no delivery is pending (a round's events all delivered before the next starts). */
export async function drained(ctx: BenchContext, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const [row] = await query<{ n: string }>(
      ctx,
      `select (select count(*) from webhook_deliveries where state = 'pending') + (select count(*) from outbox_events where position is null) as n`,
    );
    if (Number(row.n) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('deliveries still pending');
}

/** Milliseconds from a DELETE's answer to its session.ended arriving at the receiver, one revoke at a time. */
export async function revokeToArrival(ctx: BenchContext, registry: Service, arrivals: Arrivals, ids: string[]) {
  const client = createClient(registry.url, ctx.token);
  const times: number[] = [];
  try {
    for (const id of ids) {
      const ended = await client.call('DELETE', `/v1/sessions/${id}`);
      const returned = wallClock();
      if (ended.status !== 200) throw new Error(`DELETE answered ${ended.status}`);
      const arrival = await arrivals.waitFor('session.ended', id);
      times.push(arrival.at - returned);
    }
  } finally {
    client.close();
  }
  return { trials: times.length, ...summarize(times) };
}

/**
 * `count` events written in one statement (through the outbox trigger, for as many sessions),
 * then delivered to the receiver: events per second between the first and the last arrival, and
 * from the commit to the last arrival.
 */
export async function deliveryThroughput(ctx: BenchContext, arrivals: Arrivals, count: number) {
  const before = arrivals.all.length;
  await query(
    ctx,
    `insert into session_events (session_id, user_id, at, type, actor, data)
     select gen_random_uuid(), 'tp-' || (g % 1000), now(), 'login', 'service:bench', '{"flags":[]}'::jsonb from generate_series(1, $1) g`,
    [count],
  );
  const committed = wallClock();
  const end = Date.now() + 600_000;
  while (arrivals.all.length - before < count && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 50));
  const mine = arrivals.all.slice(before);
  if (mine.length < count) throw new Error(`only ${mine.length} of ${count} events arrived`);
  const first = Math.min(...mine.map((a) => a.at));
  const last = Math.max(...mine.map((a) => a.at));
  return {
    events: count,
    perSecond: count / ((last - first) / 1000),
    endToEndPerSecond: count / ((last - committed) / 1000),
    duplicates: mine.length - new Set(mine.map((a) => a.id)).size,
  };
}
