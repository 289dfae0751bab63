// Latency of the non-heartbeat routes on the seeded table: create at a fixed rate, the first page
// of a user's list by user size, ending one session, and ending all but one.
import { readFileSync } from 'node:fs';
import { pick, query, withDbClient, type BenchContext } from './context.js';
import { runLoad, runPaced, type LoadResult } from './load.js';
import type { Service } from './processes.js';
import { insertUsers } from './seed-data.js';
import { SIZED_USERS, sizedUserId } from './seed.js';

const WARMUP = 20;
const SPARE = 40;
const NO_SUCH_SESSION = '00000000-0000-7000-8000-000000000000';

export interface LatencyFigures {
  /** Evenly paced (open loop), under the default session limit (SESSION_MAX_PER_USER=100). */
  create: LoadResult & { targetRate: number };
  /** The same with no session limit (SESSION_MAX_PER_USER=0), on an instance of its own: what the limit costs. */
  createUnlimited?: LoadResult & { targetRate: number };
  /** The same rate through autocannon's overallRate: one burst per connection per second. */
  createBursts: LoadResult & { targetRate: number };
  list: Array<LoadResult & { sessionsPerUser: number }>;
  revokeOne: LoadResult;
  revokeOthers: LoadResult & { revokedPerCall: number };
}

const userAgents = (
  JSON.parse(readFileSync(new URL('../test/fixtures/user-agents.json', import.meta.url), 'utf8')) as Array<{ ua: string }>
).map((f) => f.ua);

/** Paced logins of existing users with real user agents and public addresses (see latencyFigures). */
export function createLoad(
  registry: Service,
  token: string,
  options: { fillerUsers: number; rate: number; seconds: number },
): Promise<LoadResult> {
  const body = () =>
    JSON.stringify({
      userId: `user-${Math.floor(Math.random() * options.fillerUsers)}`,
      ip: randomPublicIpv4(),
      userAgent: pick(userAgents),
      loginMethod: 'password',
    });
  return runPaced({
    url: registry.url,
    headers: { authorization: `Bearer ${token}` },
    rate: options.rate,
    seconds: options.seconds,
    method: 'POST',
    next: () => ({ path: '/v1/sessions', body: body() }),
  });
}

function randomPublicIpv4(): string {
  for (;;) {
    const a = 1 + Math.floor(Math.random() * 223);
    if (a === 10 || a === 127 || a === 100 || a === 169 || a === 172 || a === 192) continue;
    return `${a}.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`;
  }
}

export async function latencyFigures(
  ctx: BenchContext,
  registry: Service,
  options: { fillerUsers: number; createSeconds: number; createRate: number; samples: number },
): Promise<LatencyFigures> {
  const auth = { authorization: `Bearer ${ctx.token}` };
  const base = { url: registry.url, headers: auth };

  ctx.log(
    `  create: ${options.createRate} req/s evenly paced for ${options.createSeconds} s (existing users, real user agents, public IPs)`,
  );
  const createBody = () =>
    JSON.stringify({
      userId: `user-${Math.floor(Math.random() * options.fillerUsers)}`,
      ip: randomPublicIpv4(),
      userAgent: pick(userAgents),
      loginMethod: 'password',
    });
  await runPaced({
    ...base,
    rate: options.createRate / 2,
    seconds: 3,
    method: 'POST',
    next: () => ({ path: '/v1/sessions', body: createBody() }),
  });
  const create = await runPaced({
    ...base,
    rate: options.createRate,
    seconds: options.createSeconds,
    method: 'POST',
    next: () => ({ path: '/v1/sessions', body: createBody() }),
  });
  ctx.log(`  create: the same through autocannon overallRate (${options.createSeconds} s)`);
  const createBursts = await runLoad({
    ...base,
    connections: 10,
    seconds: options.createSeconds,
    overallRate: options.createRate,
    method: 'POST',
    body: createBody(),
    next: () => ({ path: '/v1/sessions', body: createBody() }),
  });

  const list: LatencyFigures['list'] = [];
  for (const { size, users } of SIZED_USERS) {
    ctx.log(`  list first page: users with ${size} active sessions, ${options.samples} requests, one at a time`);
    const next = () => ({ path: `/v1/users/${sizedUserId(size, Math.floor(Math.random() * users))}/sessions?limit=50` });
    await runLoad({ ...base, connections: 1, amount: WARMUP, method: 'GET', next });
    list.push({ ...(await runLoad({ ...base, connections: 1, amount: options.samples, method: 'GET', next })), sessionsPerUser: size });
  }

  ctx.log(`  end one session: ${options.samples} DELETEs, one at a time`);
  const victims = (
    await query<{ id: string }>(ctx, 'select id from sessions where user_id = any($1::text[]) and ended_at is null limit $2', [
      Array.from({ length: options.samples * 2 }, () => `user-${Math.floor(Math.random() * options.fillerUsers)}`),
      options.samples + SPARE,
    ])
  ).map((r) => r.id);
  if (victims.length < options.samples + SPARE) throw new Error(`only ${victims.length} active filler sessions found to end`);
  const nextVictim = () => ({ path: `/v1/sessions/${victims.pop() ?? NO_SUCH_SESSION}` });
  await runLoad({ ...base, connections: 1, amount: WARMUP, method: 'DELETE', next: nextVictim });
  const revokeOne = await runLoad({ ...base, connections: 1, amount: options.samples, method: 'DELETE', next: nextVictim });

  ctx.log(`  end all but one: ${options.samples} users with 10 fresh sessions each, one call per user`);
  const prefix = `ro${Date.now().toString(36)}-`;
  await withDbClient(ctx, (c) =>
    insertUsers(c, ctx.vocab, { prefix, users: options.samples + SPARE, active: 10, ended: 0, rBase: 50_000_000 }),
  );
  const keep = await query<{ user_id: string; id: string }>(
    ctx,
    'select user_id, min(id::text) as id from sessions where user_id like $1 group by user_id',
    [`${prefix}%`],
  );
  const queue = keep.map((k) => ({
    path: `/v1/users/${k.user_id}/sessions/revoke`,
    body: JSON.stringify({ exceptSessionId: k.id, reason: 'password_change' }),
  }));
  const body = queue[0].body;
  const nextUser = () => queue.pop() ?? { path: `/v1/users/${prefix}none/sessions/revoke`, body };
  await runLoad({ ...base, connections: 1, amount: WARMUP, method: 'POST', body, next: nextUser });
  const revokeOthers = await runLoad({ ...base, connections: 1, amount: options.samples, method: 'POST', body, next: nextUser });
  const [counts] = await query<{ ended: string; users: string }>(
    ctx,
    'select count(*) filter (where ended_at is not null)::text as ended, count(distinct user_id) filter (where ended_at is not null)::text as users from sessions where user_id like $1',
    [`${prefix}%`],
  );
  return {
    create: { ...create, targetRate: options.createRate },
    createBursts: { ...createBursts, targetRate: options.createRate },
    list,
    revokeOne,
    revokeOthers: { ...revokeOthers, revokedPerCall: Number(counts.ended) / Math.max(1, Number(counts.users)) },
  };
}
