// Heartbeat throughput of the registry against two baselines in the same run (rounds interleaved),
// the database transactions a heartbeat costs in steady state, and the registry's RSS and
// event-loop delay under that load.
import { BENCH_USER_AGENT, HEARTBEAT_BODY, ME_HEARTBEAT_BODY, METRICS_TOKEN, pick, type BenchContext } from './context.js';
import { transactionCount } from './db.js';
import { runLoad, type LoadResult } from './load.js';
import { cpuMs, rssBytes, sleep, startService, stopService, type Service } from './processes.js';

export type Round = LoadResult & { serverCpuUsPerRequest: number | null };

/** Users' own sessions, with their tokens, for the /v1/me rounds. */
export interface UserSession {
  token: string;
  userId: string;
}

export interface HeartbeatFigures {
  /** registry: the service heartbeat; me: the user's own heartbeat; meList: GET /v1/me/sessions. */
  rounds: { bare: Round[]; registry: Round[]; me: Round[]; meList: Round[]; naive: Round[] };
  transactions: { before: number; after: number; heartbeats: number; perHeartbeat: number; roundSeconds: number };
  /** Before any heartbeat load (after the latency figures). */
  rssIdleBytes: number;
  /** The largest RSS of the instance over the whole run (filled in by the caller). */
  rssRunMaxBytes: number;
  rssMaxBytes: number;
  rssSamples: number;
  eventLoopP99MaxSeconds: number | null;
  eventLoopScrapes: number;
  /** V8 heap and external memory at the scrape with the largest heap, in bytes. */
  memory: { heapTotal: number; heapUsed: number; external: number } | null;
}

/** After this long without work a backend has flushed its statistics (PGSTAT_IDLE_INTERVAL is 10 s). */
const STATS_SETTLE_MS = 11_000;

async function scrape(url: string): Promise<{ lagP99: number | null; heapTotal: number; heapUsed: number; external: number } | null> {
  try {
    const text = await (
      await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` }, signal: AbortSignal.timeout(2000) })
    ).text();
    const value = (name: string) => {
      const match = new RegExp(`^session_registry_${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'm').exec(text);
      return match ? Number(match[1]) : null;
    };
    return {
      lagP99: value('nodejs_eventloop_lag_p99_seconds'),
      heapTotal: value('nodejs_heap_size_total_bytes') ?? 0,
      heapUsed: value('nodejs_heap_size_used_bytes') ?? 0,
      external: value('nodejs_external_memory_bytes') ?? 0,
    };
  } catch {
    return null;
  }
}

/** Samples RSS every 200 ms and the event-loop p99 every second while `work` runs. */
async function watched<T>(service: Service, figures: HeartbeatFigures, work: () => Promise<T>): Promise<T> {
  let running = true;
  const rss = (async () => {
    while (running) {
      const bytes = rssBytes(service.pid);
      if (bytes !== null) {
        figures.rssMaxBytes = Math.max(figures.rssMaxBytes, bytes);
        figures.rssSamples++;
      }
      await sleep(200);
    }
  })();
  const lag = (async () => {
    while (running) {
      await sleep(1000);
      if (!running) break;
      const scraped = await scrape(service.url);
      if (scraped?.lagP99 !== undefined && scraped.lagP99 !== null) {
        figures.eventLoopP99MaxSeconds = Math.max(figures.eventLoopP99MaxSeconds ?? 0, scraped.lagP99);
        figures.eventLoopScrapes++;
      }
      if (scraped && scraped.heapTotal > (figures.memory?.heapTotal ?? 0)) {
        figures.memory = { heapTotal: scraped.heapTotal, heapUsed: scraped.heapUsed, external: scraped.external };
      }
    }
  })();
  try {
    return await work();
  } finally {
    running = false;
    await Promise.all([rss, lag]);
  }
}

export async function heartbeatFigures(
  ctx: BenchContext,
  registry: Service,
  ids: string[],
  users: UserSession[],
  options: { rounds: number; warmupSeconds: number; duringQuietWait: () => Promise<void> },
): Promise<HeartbeatFigures> {
  const figures: HeartbeatFigures = {
    rounds: { bare: [], registry: [], me: [], meList: [], naive: [] },
    transactions: { before: 0, after: 0, heartbeats: 0, perHeartbeat: 0, roundSeconds: ctx.roundSeconds },
    rssIdleBytes: rssBytes(registry.pid) ?? 0,
    rssRunMaxBytes: 0,
    rssMaxBytes: 0,
    rssSamples: 0,
    eventLoopP99MaxSeconds: null,
    eventLoopScrapes: 0,
    memory: null,
  };
  const bare = await startService({ name: 'bare', script: 'bench/bare-server.ts', readyPath: '/healthz', env: {} });
  const naive = await startService({
    name: 'naive',
    script: 'bench/naive-server.ts',
    readyPath: '/healthz',
    env: { DATABASE_URL: ctx.dbUrl },
  });
  const auth = { authorization: `Bearer ${ctx.token}` };
  // A user's heartbeat comes from the user's browser: the same User-Agent every time.
  const userHeaders = (user: UserSession) => ({ authorization: `Bearer ${user.token}`, 'user-agent': BENCH_USER_AGENT });
  const requests = {
    bare: () => ({ path: `/hb/${pick(ids)}` }),
    naive: () => ({ path: `/hb/${pick(ids)}` }),
    registry: () => ({ path: `/v1/sessions/${pick(ids)}/heartbeat` }),
    me: () => ({ path: '/v1/me/heartbeat', headers: userHeaders(pick(users)) }),
    meList: () => ({ path: '/v1/me/sessions', headers: userHeaders(pick(users)) }),
  };
  const load = async (target: keyof typeof requests, seconds: number): Promise<Round> => {
    const service = target === 'bare' ? bare : target === 'naive' ? naive : registry;
    const cpuBefore = cpuMs(service.pid);
    const result = await runLoad({
      url: service.url,
      connections: 50,
      seconds,
      method: target === 'meList' ? 'GET' : 'POST',
      headers: target === 'registry' ? auth : {},
      body: target === 'meList' ? undefined : target === 'me' ? ME_HEARTBEAT_BODY : HEARTBEAT_BODY,
      next: requests[target],
    });
    const cpuAfter = cpuMs(service.pid);
    const serverCpuUsPerRequest =
      cpuBefore !== null && cpuAfter !== null && result.requests > 0 ? ((cpuAfter - cpuBefore) * 1000) / result.requests : null;
    return { ...result, serverCpuUsPerRequest };
  };
  try {
    ctx.log(`  warm-up: ${options.warmupSeconds} s on each server`);
    for (const target of ['bare', 'registry', 'me', 'meList', 'naive'] as const) await load(target, options.warmupSeconds);
    for (let round = 1; round <= options.rounds; round++) {
      ctx.log(`  round ${round}/${options.rounds}: bare, registry, user heartbeat, user list, naive (${ctx.roundSeconds} s each)`);
      figures.rounds.bare.push(await load('bare', ctx.roundSeconds));
      figures.rounds.registry.push(await watched(registry, figures, () => load('registry', ctx.roundSeconds)));
      figures.rounds.me.push(await load('me', ctx.roundSeconds));
      figures.rounds.meList.push(await load('meList', ctx.roundSeconds));
      figures.rounds.naive.push(await load('naive', ctx.roundSeconds));
    }
  } finally {
    // Their exit also flushes their backends' statistics before the transaction count starts.
    await Promise.all([stopService(bare), stopService(naive)]);
  }

  ctx.log(`  transactions per heartbeat: quiet ${STATS_SETTLE_MS / 1000} s, registry round, quiet ${STATS_SETTLE_MS / 1000} s`);
  const quiet = Date.now();
  await options.duringQuietWait();
  await sleep(Math.max(0, STATS_SETTLE_MS - (Date.now() - quiet)));
  const before = await transactionCount(ctx.adminUrl, ctx.dbName);
  const round = await watched(registry, figures, () => load('registry', ctx.roundSeconds));
  await sleep(STATS_SETTLE_MS);
  const after = await transactionCount(ctx.adminUrl, ctx.dbName);
  const heartbeats = round.ok;
  figures.transactions = {
    before,
    after,
    heartbeats,
    perHeartbeat: heartbeats > 0 ? (after - before) / heartbeats : Number.NaN,
    roundSeconds: ctx.roundSeconds,
  };
  return figures;
}
