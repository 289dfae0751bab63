// The figures at scale, on the 10,000,000-row data set: heartbeat throughput as the number of active
// sessions grows (each heartbeat on a random one, one instance per size, rounds interleaved), the
// memory each cached session costs (RSS slope), the first 1,000 requests after a cold start, and
// list and login latency with ten million rows in the table.
import { HEARTBEAT_BODY, pick, query, settle, startRegistry, type BenchContext } from './context.js';
import { latencyFigures, type LatencyFigures } from './latency.js';
import { runLoad, type LoadResult } from './load.js';
import { rssBytes, sleep, stopService, type Service } from './processes.js';

export interface ScalePoint {
  sessions: number;
  /** Heartbeats a second with every session cached (median of rounds), and their latency. */
  warm: LoadResult;
  /** The first round, started with nothing cached: misses read in batches. */
  cold: LoadResult;
  warmupSeconds: number;
  rssBytes: number;
  heapUsedBytes: number | null;
  cachedSessions: number | null;
}

export interface ScaleFigures {
  rows: number;
  points: ScalePoint[];
  /** RSS slope between the two largest sizes, per session. */
  bytesPerSession: number | null;
  firstRequests: LoadResult;
  latency: LatencyFigures;
}

async function scrape(service: Service, name: string): Promise<number | null> {
  const { METRICS_TOKEN } = await import('./context.js');
  const text = await (await fetch(`${service.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
  const match = new RegExp(`^session_registry_${name} ([0-9.eE+-]+)$`, 'm').exec(text);
  return match ? Number(match[1]) : null;
}

/** Heartbeats every id once (50 at a time): the instance then holds them all. */
async function touchAll(service: Service, ctx: BenchContext, ids: string[]): Promise<number> {
  const started = Date.now();
  let next = 0;
  await runLoad({
    url: service.url,
    connections: 50,
    amount: ids.length,
    method: 'POST',
    headers: { authorization: `Bearer ${ctx.token}` },
    body: HEARTBEAT_BODY,
    next: () => ({ path: `/v1/sessions/${ids[next++ % ids.length]}/heartbeat` }),
  });
  return (Date.now() - started) / 1000;
}

export async function scaleFigures(
  ctx: BenchContext,
  options: { rows: number; sizes: number[]; rounds: number; fillerUsers: number; samples: number },
): Promise<ScaleFigures> {
  const largest = Math.max(...options.sizes);
  ctx.log(`  scale: reading ${largest.toLocaleString('en-US')} active session ids`);
  const all = (
    await query<{ id: string }>(
      ctx,
      "select id from sessions where ended_at is null and absolute_expires_at > now() + interval '1 day' limit $1",
      [largest],
    )
  ).map((r) => r.id);
  if (all.length < largest) throw new Error(`only ${all.length} active sessions in the data set`);
  const heartbeat = (service: Service, ids: string[], seconds: number) =>
    runLoad({
      url: service.url,
      connections: 50,
      seconds,
      method: 'POST',
      headers: { authorization: `Bearer ${ctx.token}` },
      body: HEARTBEAT_BODY,
      next: () => ({ path: `/v1/sessions/${pick(ids)}/heartbeat` }),
    });

  const instances: Array<{ size: number; ids: string[]; service: Service; cold: LoadResult; warmupSeconds: number; warm: LoadResult[] }> =
    [];
  try {
    for (const size of options.sizes) {
      const service = await startRegistry(ctx, `registry-${size}`);
      const ids = all.slice(0, size);
      ctx.log(`  scale: ${size.toLocaleString('en-US')} sessions: a cold round, then every session heartbeated once`);
      const cold = await heartbeat(service, ids, ctx.roundSeconds);
      const warmupSeconds = await touchAll(service, ctx, ids);
      instances.push({ size, ids, service, cold, warmupSeconds, warm: [] });
    }
    await settle(ctx);
    for (let round = 1; round <= options.rounds; round++) {
      ctx.log(
        `  scale: round ${round}/${options.rounds}: ${options.sizes.map((s) => s.toLocaleString('en-US')).join(', ')} (${ctx.roundSeconds} s each)`,
      );
      for (const instance of instances) instance.warm.push(await heartbeat(instance.service, instance.ids, ctx.roundSeconds));
    }
    await sleep(2000);
    const points: ScalePoint[] = [];
    for (const instance of instances) {
      const byRps = [...instance.warm].sort((a, b) => a.rps - b.rps);
      points.push({
        sessions: instance.size,
        warm: byRps[Math.floor(byRps.length / 2)],
        cold: instance.cold,
        warmupSeconds: instance.warmupSeconds,
        rssBytes: rssBytes(instance.service.pid) ?? 0,
        heapUsedBytes: await scrape(instance.service, 'nodejs_heap_size_used_bytes'),
        cachedSessions: await scrape(instance.service, 'state_cache_entries'),
      });
    }
    const [a, b] = [...points].sort((x, y) => x.sessions - y.sessions).slice(-2);
    const bytesPerSession = a && b && b.sessions > a.sessions ? (b.rssBytes - a.rssBytes) / (b.sessions - a.sessions) : null;

    for (const instance of instances) await stopService(instance.service);
    instances.length = 0;

    ctx.log('  scale: the first 1,000 requests after a start (heartbeats on random sessions, 10 at a time)');
    const fresh = await startRegistry(ctx, 'registry-cold');
    const firstRequests = await runLoad({
      url: fresh.url,
      connections: 10,
      amount: 1000,
      method: 'POST',
      headers: { authorization: `Bearer ${ctx.token}` },
      body: HEARTBEAT_BODY,
      next: () => ({ path: `/v1/sessions/${pick(all)}/heartbeat` }),
    });
    ctx.log(`  scale: list and login latency with ${options.rows.toLocaleString('en-US')} rows`);
    await settle(ctx);
    const latency = await latencyFigures(ctx, fresh, {
      fillerUsers: options.fillerUsers,
      createSeconds: 10,
      createRate: 200,
      samples: options.samples,
    });
    await stopService(fresh);
    return { rows: options.rows, points, bytesPerSession, firstRequests, latency };
  } finally {
    for (const instance of instances) await stopService(instance.service);
  }
}
