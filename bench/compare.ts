// `npm run bench:compare -- --against <checkout> [--rounds 4] [--seconds 5]`: this build's service
// heartbeat against another built checkout's (e.g. an earlier commit in a git worktree, after its
// `npm ci && npm run build`), each on its own database made by its own migrations and seeding, with
// a bare Fastify route as the yardstick, rounds interleaved. On a noisy machine one run of each
// tells little; interleaved medians over several rounds tell whether a change costs anything.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { HEARTBEAT_BODY, mintToken, newSecret, pick, startRegistry, withDbClient, type BenchContext } from './context.js';
import { createBenchDatabase, dropDatabase, startServer, withDatabase } from './db.js';
import type * as BenchDb from './db.js';
import { runLoad } from './load.js';
import { cpuMs, ROOT, startService, stopService, type Service } from './processes.js';
import { buildVocabulary, insertUsers } from './seed-data.js';
import type * as BenchSeed from './seed-data.js';

const { values: args } = parseArgs({
  options: { against: { type: 'string' }, rounds: { type: 'string', default: '4' }, seconds: { type: 'string', default: '5' } },
});
if (!args.against) throw new Error('--against <path of another built checkout> is required');
const other = path.resolve(args.against);
const rounds = Number(args.rounds);
const seconds = Number(args.seconds);
const log = (message: string) => process.stderr.write(`${message}\n`);

// The other checkout's own schema and seeding: its migrations and columns may differ from these.
const otherDb = (await import(pathToFileURL(path.join(other, 'bench/db.ts')).href)) as typeof BenchDb;
const otherSeed = (await import(pathToFileURL(path.join(other, 'bench/seed-data.ts')).href)) as typeof BenchSeed;

const server = await startServer(ROOT);
const stamp = Date.now();
const names = { current: `sr_cmp_current_${stamp}`, other: `sr_cmp_other_${stamp}` };
const services: Service[] = [];
try {
  await createBenchDatabase(server.adminUrl, names.current);
  await otherDb.createBenchDatabase(server.adminUrl, names.other);
  const secret = newSecret();
  const ctx: BenchContext = {
    adminUrl: server.adminUrl,
    dbName: names.current,
    dbUrl: withDatabase(server.adminUrl, names.current),
    secret,
    token: mintToken(secret),
    roundSeconds: seconds,
    vocab: await buildVocabulary(),
    log,
  };
  const otherUrl = withDatabase(server.adminUrl, names.other);
  const seed = { prefix: 'hot-', users: 400, active: 5, ended: 0, rBase: 60_000_000, returnIds: true };
  const currentIds = await withDbClient(ctx, (client) => insertUsers(client, ctx.vocab, seed));
  const client = new pg.Client({ connectionString: otherUrl });
  await client.connect();
  const otherIds = await otherSeed.insertUsers(client, await otherSeed.buildVocabulary(), seed).finally(() => client.end());

  const current = await startRegistry(ctx, 'current');
  services.push(current);
  const previous = await startService({
    name: 'other',
    script: path.join(other, 'dist/src/server.js'),
    readyPath: '/readyz',
    env: { NODE_ENV: 'production', DATABASE_URL: otherUrl, JWT_SECRET: secret, LOG_LEVEL: 'warn', MIGRATE_ON_START: 'false' },
  });
  services.push(previous);
  const bare = await startService({ name: 'bare', script: 'bench/bare-server.ts', readyPath: '/healthz', env: {} });
  services.push(bare);

  const targets = {
    bare: { service: bare, ids: currentIds, path: (id: string) => `/hb/${id}` },
    current: { service: current, ids: currentIds, path: (id: string) => `/v1/sessions/${id}/heartbeat` },
    other: { service: previous, ids: otherIds, path: (id: string) => `/v1/sessions/${id}/heartbeat` },
  };
  const results: Record<keyof typeof targets, Array<{ rps: number; cpuUs: number }>> = { bare: [], current: [], other: [] };
  for (let round = 0; round <= rounds; round++) {
    for (const name of Object.keys(targets) as Array<keyof typeof targets>) {
      const target = targets[name];
      const before = cpuMs(target.service.pid) ?? 0;
      const result = await runLoad({
        url: target.service.url,
        connections: 50,
        seconds: round === 0 ? 2 : seconds,
        method: 'POST',
        headers: { authorization: `Bearer ${ctx.token}` },
        body: HEARTBEAT_BODY,
        next: () => ({ path: target.path(pick(target.ids)) }),
      });
      const cpuUs = (((cpuMs(target.service.pid) ?? 0) - before) * 1000) / Math.max(1, result.requests);
      if (round === 0) continue;
      results[name].push({ rps: result.rps, cpuUs });
      log(
        `round ${round} ${name}: ${Math.round(result.rps)} req/s, ${cpuUs.toFixed(1)} µs CPU/request, statuses ${JSON.stringify(result.statuses)}`,
      );
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const bareRps = median(results.bare.map((r) => r.rps));
  for (const name of Object.keys(results) as Array<keyof typeof targets>) {
    const rps = median(results[name].map((r) => r.rps));
    const spread = results[name].map((r, i) => (r.rps / results.bare[i].rps).toFixed(2)).join(' ');
    console.log(
      `${name.padEnd(8)} ${Math.round(rps).toString().padStart(7)} req/s   ÷ bare ${(rps / bareRps).toFixed(2)} (each round: ${spread})   CPU ${median(results[name].map((r) => r.cpuUs)).toFixed(1)} µs/request`,
    );
  }
} finally {
  for (const service of services) await stopService(service);
  await dropDatabase(server.adminUrl, names.current).catch(() => {});
  await dropDatabase(server.adminUrl, names.other).catch(() => {});
  await server.stop();
}
