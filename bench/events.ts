// `npm run bench:events [-- --rounds 2] [--seconds 8] [--samples 300] [--trials 200] [--events 20000]`
// The events figures on their own: the compiled registry and a webhook receiver as processes of
// their own on a fresh database; login, revoke and heartbeat with a webhook endpoint configured
// and without, in alternating rounds; revoke-to-arrival time; delivery throughput. Prints a table
// and writes bench/events-results.json.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { createSigner } from 'fast-jwt';
import { mintToken, newSecret, startRegistry, withDbClient, type BenchContext } from './context.js';
import { createBenchDatabase, dropDatabase, serverVersion, startServer } from './db.js';
import { deliveryThroughput, drained, pathRound, revokeToArrival, watchArrivals, type PathRound } from './events-figures.js';
import { createClient } from './load.js';
import { startService, stopService, type Service } from './processes.js';
import { buildVocabulary, insertUsers } from './seed-data.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '8' },
    samples: { type: 'string', default: '300' },
    trials: { type: 'string', default: '200' },
    events: { type: 'string', default: '20000' },
    'login-rate': { type: 'string', default: '200' },
  },
  strict: true,
});
const [rounds, seconds, samples, trials, events, loginRate] = ['rounds', 'seconds', 'samples', 'trials', 'events', 'login-rate'].map((k) =>
  Number(args[k as keyof typeof args]),
);
const started = Date.now();
const log = (message: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${message}\n`);
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = (sorted.length - 1) / 2;
  return (sorted[Math.floor(middle)] + sorted[Math.ceil(middle)]) / 2;
};
const WARMUP_SECONDS = 3;
const WARMUP_REVOKES = 50;

async function main() {
  const loadBefore = os.loadavg();
  const server = await startServer(process.cwd());
  const dbName = `sr_bench_events_${Date.now()}`;
  const services: Service[] = [];
  try {
    const dbUrl = await createBenchDatabase(server.adminUrl, dbName);
    const secret = newSecret();
    const ctx: BenchContext = {
      adminUrl: server.adminUrl,
      dbName,
      dbUrl,
      secret,
      token: mintToken(secret),
      roundSeconds: seconds,
      vocab: await buildVocabulary(),
      log,
    };
    const manage = createSigner({
      key: secret,
      algorithm: 'HS256',
      iss: 'session-registry',
      aud: 'session-registry',
      sub: 'bench',
      expiresIn: 3600_000,
    })({ scope: 'webhooks:manage' });
    log(`PostgreSQL ${await serverVersion(server.adminUrl)}; seeding`);
    const victimsNeeded = rounds * 2 * samples + trials + WARMUP_REVOKES;
    const [heartbeatIds, victims] = await withDbClient(ctx, async (c) => [
      await insertUsers(c, ctx.vocab, { prefix: 'hb-', users: 400, active: 5, ended: 0, rBase: 0, returnIds: true }),
      await insertUsers(c, ctx.vocab, { prefix: 'victim-', users: victimsNeeded, active: 1, ended: 0, rBase: 1_000_000, returnIds: true }),
    ]);

    const receiver = await startService({ name: 'receiver', script: 'bench/receiver-server.ts', readyPath: '/healthz', env: {} });
    services.push(receiver);
    const arrivals = watchArrivals(receiver);
    const registry = await startRegistry(ctx, 'registry', [], {
      WEBHOOK_SECRETS_KEY: randomBytes(32).toString('base64'),
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    });
    services.push(registry);
    const admin = createClient(registry.url, manage);
    const created = await admin.call('POST', '/v1/webhooks', {
      url: `${receiver.url}/hooks`,
      events: ['session.created', 'session.ended'],
    });
    if (created.status !== 201) throw new Error(`webhook not created: ${created.status}`);
    const hook = (created.json as { endpoint: { id: string } }).endpoint.id;
    const toggle = (enabled: boolean) => admin.call('PATCH', `/v1/webhooks/${hook}`, { enabled });
    await drained(ctx);

    log(`warm-up: ${WARMUP_SECONDS} s of each path, not counted`);
    await pathRound({ ...ctx, roundSeconds: WARMUP_SECONDS }, registry, { victims, heartbeatIds, loginRate, samples: WARMUP_REVOKES });
    await drained(ctx);
    const measured: Record<'without' | 'with', PathRound[]> = { without: [], with: [] };
    for (let round = 1; round <= rounds; round++) {
      for (const condition of ['without', 'with'] as const) {
        await toggle(condition === 'with');
        log(
          `round ${round}/${rounds}, ${condition} a webhook endpoint: ${loginRate} logins/s and heartbeats for ${seconds} s each, ${samples} revokes`,
        );
        measured[condition].push(await pathRound(ctx, registry, { victims, heartbeatIds, loginRate, samples }));
        await drained(ctx);
      }
    }
    await toggle(true);
    log(`revoke to webhook arrival: ${trials} revokes, one at a time`);
    const arrival = await revokeToArrival(ctx, registry, arrivals, victims.splice(-trials));
    log(`delivery throughput: ${events} events`);
    await drained(ctx);
    const throughput = await deliveryThroughput(ctx, arrivals, events);
    admin.close();

    const pick = (condition: 'without' | 'with', path: keyof PathRound, figure: 'p50' | 'p99' | 'rps') =>
      median(measured[condition].map((r) => r[path][figure]));
    const rows: Array<[string, string, string, string]> = [];
    for (const path of ['login', 'revoke', 'heartbeat'] as const) {
      for (const figure of path === 'heartbeat' ? (['rps', 'p99'] as const) : (['p50', 'p99'] as const)) {
        const without = pick('without', path, figure);
        const withHooks = pick('with', path, figure);
        const unit = figure === 'rps' ? ' req/s' : ' ms';
        rows.push([
          `${path} ${figure}`,
          `${without.toFixed(figure === 'rps' ? 0 : 2)}${unit}`,
          `${withHooks.toFixed(figure === 'rps' ? 0 : 2)}${unit}`,
          `${(withHooks / without).toFixed(2)}×`,
        ]);
      }
    }
    const loadAfter = os.loadavg();
    const results = {
      date: new Date().toISOString(),
      machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
      loadBefore,
      loadAfter,
      settings: { rounds, seconds, samples, trials, events, loginRate },
      rows,
      arrival,
      throughput,
      measured,
    };
    writeFileSync(new URL('./events-results.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
    const lines = [
      '',
      `Events figures (${results.machine}; load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} before, ${loadAfter.map((l) => l.toFixed(2)).join(' ')} after)`,
      '| Figure | Without an endpoint | With an endpoint | Ratio |',
      '|---|---|---|---|',
      ...rows.map((r) => `| ${r.join(' | ')} |`),
      `| revoke → webhook arrival | p50 ${arrival.p50.toFixed(1)} ms | p99 ${arrival.p99.toFixed(1)} ms | max ${arrival.max.toFixed(1)} ms (${arrival.trials} revokes) |`,
      `| delivery throughput | ${throughput.perSecond.toFixed(0)} events/s (first to last arrival) | ${throughput.endToEndPerSecond.toFixed(0)} events/s (commit to last arrival) | ${throughput.events} events, ${throughput.duplicates} duplicates |`,
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    for (const service of services.reverse()) await stopService(service, 'SIGTERM', 10_000);
    await dropDatabase(server.adminUrl, dbName).catch(() => {});
    await server.stop();
  }
}

main().catch((error: Error) => {
  log(`failed: ${error.stack ?? error.message}`);
  process.exit(1);
});
