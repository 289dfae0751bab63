// `npm run bench:hot [-- --rounds 3] [--seconds 5]`: the hot-path ratios alone (service heartbeat,
// the user's own heartbeat, the user's session list, each against a bare Fastify route), rounds
// interleaved, on a fresh small database: a check that takes a minute, not the full benchmark.
import { parseArgs } from 'node:util';
import {
  BENCH_USER_AGENT,
  HEARTBEAT_BODY,
  insertUserSessions,
  mintToken,
  newSecret,
  pick,
  startRegistry,
  withDbClient,
  type BenchContext,
} from './context.js';
import { createBenchDatabase, dropDatabase, startServer, withDatabase } from './db.js';
import { runLoad, type LoadResult } from './load.js';
import { cpuMs, ROOT, startService, stopService, type Service } from './processes.js';
import { buildVocabulary, insertUsers } from './seed-data.js';

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '5' } } });
const rounds = Number(args.rounds);
const seconds = Number(args.seconds);
const log = (message: string) => process.stderr.write(`${message}\n`);

const server = await startServer(ROOT);
const dbName = `sr_hot_${Date.now()}`;
const services: Service[] = [];
try {
  await createBenchDatabase(server.adminUrl, dbName);
  const secret = newSecret();
  const ctx: BenchContext = {
    adminUrl: server.adminUrl,
    dbName,
    dbUrl: withDatabase(server.adminUrl, dbName),
    secret,
    token: mintToken(secret),
    roundSeconds: seconds,
    vocab: await buildVocabulary(),
    log,
  };
  const registry = await startRegistry(ctx, 'registry');
  services.push(registry);
  const bare = await startService({ name: 'bare', script: 'bench/bare-server.ts', readyPath: '/healthz', env: {} });
  services.push(bare);
  const ids = await withDbClient(ctx, (c) =>
    insertUsers(c, ctx.vocab, { prefix: 'hot-', users: 400, active: 5, ended: 0, rBase: 60_000_000, returnIds: true }),
  );
  const users = await insertUserSessions(ctx, 800, 5);
  const userHeaders = () => ({ authorization: `Bearer ${pick(users).token}`, 'user-agent': BENCH_USER_AGENT });
  const targets = {
    bare: { service: bare, method: 'POST', body: HEARTBEAT_BODY, headers: {}, next: () => ({ path: `/hb/${pick(ids)}` }) },
    service: {
      service: registry,
      method: 'POST',
      body: HEARTBEAT_BODY,
      headers: { authorization: `Bearer ${ctx.token}` },
      next: () => ({ path: `/v1/sessions/${pick(ids)}/heartbeat` }),
    },
    user: {
      service: registry,
      method: 'POST',
      body: HEARTBEAT_BODY,
      headers: {},
      next: () => ({ path: '/v1/me/heartbeat', headers: userHeaders() }),
    },
    list: {
      service: registry,
      method: 'GET',
      body: undefined,
      headers: {},
      next: () => ({ path: '/v1/me/sessions', headers: userHeaders() }),
    },
  } as const;
  const results: Record<string, Array<LoadResult & { cpuUs: number }>> = { bare: [], service: [], user: [], list: [] };
  const run = async (name: keyof typeof targets, duration: number) => {
    const target = targets[name];
    const before = cpuMs(target.service.pid) ?? 0;
    const result = await runLoad({
      url: target.service.url,
      connections: 50,
      seconds: duration,
      method: target.method,
      headers: target.headers,
      body: target.body,
      next: target.next,
    });
    const cpuUs = (((cpuMs(target.service.pid) ?? 0) - before) * 1000) / Math.max(1, result.requests);
    return { ...result, cpuUs };
  };
  for (const name of Object.keys(targets) as Array<keyof typeof targets>) await run(name, 2);
  for (let round = 1; round <= rounds; round++) {
    for (const name of Object.keys(targets) as Array<keyof typeof targets>) {
      const result = await run(name, seconds);
      results[name].push(result);
      log(
        `round ${round} ${name}: ${Math.round(result.rps)} req/s, p99 ${result.p99.toFixed(2)} ms, ${Math.round(result.cpuUs)} µs CPU/request, statuses ${JSON.stringify(result.statuses)}`,
      );
    }
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const bareRps = median(results.bare.map((r) => r.rps));
  for (const name of ['service', 'user', 'list'] as const) {
    const rps = median(results[name].map((r) => r.rps));
    console.log(
      `${name.padEnd(8)} ${Math.round(rps).toString().padStart(7)} req/s   ÷ bare ${(rps / bareRps).toFixed(2)}   CPU ${Math.round(median(results[name].map((r) => r.cpuUs)))} µs/request`,
    );
  }
  console.log(
    `bare     ${Math.round(bareRps).toString().padStart(7)} req/s   CPU ${Math.round(median(results.bare.map((r) => r.cpuUs)))} µs/request`,
  );
} finally {
  for (const service of services) await stopService(service);
  await dropDatabase(server.adminUrl, dbName).catch(() => {});
  await server.stop();
}
