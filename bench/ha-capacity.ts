// `npm run bench:capacity [-- --rows 10000000] [--seconds 10] [--url postgres://…]`: how far one
// PostgreSQL primary goes for the two kinds of writes that grow with traffic: logins (one
// instance, as many at once as it takes) and activity rows flushed (the flusher's statement, by
// batch size, one and two flushers at once). On the seeded data set (`npm run bench:seed -- --rows N`),
// used in place: the logins add rows and the flushes add to the counters of existing sessions.
// With --url, on that database instead (for example the read-write port of `npm run ha`).
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createDatabase } from '../src/db/database.js';
import { createActivityFlushesRepository, type ActivityDelta } from '../src/sessions/repositories/activity-flushes.js';
import { BENCH_USER_AGENT, mintToken, newSecret, startRegistry, type BenchContext } from './context.js';
import { serverVersion, startServer, withDatabase } from './db.js';
import { cpuMs, stopService } from './processes.js';
import { buildVocabulary } from './seed-data.js';
import { seedDatabaseName } from './seed.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000000' },
    seconds: { type: 'string', default: '10' },
    url: { type: 'string' },
    concurrency: { type: 'string', default: '32' },
  },
});
const seconds = Number(args.seconds);
const log = (message: string) => process.stderr.write(`${message}\n`);
const loadBefore = os.loadavg()[0];
const server = args.url ? null : await startServer(new URL('..', import.meta.url).pathname);
const dbUrl = args.url ?? withDatabase((server as { adminUrl: string }).adminUrl, seedDatabaseName(Number(args.rows)));
const lines: string[] = [];
const out = (line: string) => {
  lines.push(line);
  log(line);
};

try {
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  const { rows: countRows } = await client.query<{ n: string }>('select count(*)::bigint as n from sessions');
  const tableRows = Number(countRows[0].n);
  const version = await serverVersion(dbUrl);
  out(
    `sessions table: ${tableRows.toLocaleString('en-US')} rows; PostgreSQL ${version}; ${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}; load average before ${loadBefore.toFixed(2)}`,
  );
  // Active sessions spread over the whole table, as a flush of a busy instance would touch them.
  const { rows: sample } = await client.query<{ id: string; user_id: string }>(
    'select id, user_id from sessions tablesample system (1) where ended_at is null limit 100000',
  );
  await client.end();
  out(`sampled ${sample.length} active sessions`);

  // Activity flushes: the statement each instance runs once a second, one after another.
  const database = createDatabase({ connectionString: dbUrl, poolSize: 4, connectionTimeoutMs: 5000, statementTimeoutMs: 120000 });
  const flushes = createActivityFlushesRepository(database);
  const delta = (s: { id: string; user_id: string }): ActivityDelta => ({
    id: s.id,
    userId: s.user_id,
    lastActiveAt: Date.now(),
    pageViews: 1,
    heartbeats: 1,
  });
  for (const [batch, flushers] of [
    [1000, 1],
    [5000, 1],
    [5000, 2],
  ] as const) {
    let rows = 0;
    let count = 0;
    const durations: number[] = [];
    const until = Date.now() + seconds * 1000;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: flushers }, async (_, f) => {
        let offset = f * 7919;
        while (Date.now() < until) {
          const deltas: ActivityDelta[] = [];
          for (let i = 0; i < batch; i++) deltas.push(delta(sample[(offset + i) % sample.length]));
          offset += batch;
          deltas.sort((a, b) => (a.id < b.id ? -1 : 1)); // one lock order for flushers running at once
          const t0 = Date.now();
          await flushes.apply(randomUUID(), deltas);
          durations.push(Date.now() - t0);
          rows += batch;
          count++;
        }
      }),
    );
    const elapsed = (Date.now() - started) / 1000;
    durations.sort((a, b) => a - b);
    out(
      `flush ${batch} rows x ${flushers} flusher(s): ${Math.round(rows / elapsed).toLocaleString('en-US')} rows/s (${count} flushes, p50 ${durations[Math.floor(durations.length / 2)]} ms, max ${durations.at(-1)} ms)`,
    );
  }
  await database.close();

  // Logins: one instance, `concurrency` at a time, each a new user (no eviction under the limit).
  const secret = newSecret();
  const ctx: BenchContext = {
    adminUrl: dbUrl,
    dbName: '',
    dbUrl,
    secret,
    token: mintToken(secret),
    roundSeconds: seconds,
    vocab: await buildVocabulary(),
    log,
  };
  const registry = await startRegistry(ctx, 'capacity', [], {
    RATE_LIMIT_PER_MINUTE: '1000000',
    AUTH_FAILURES_PER_MINUTE: '1000000',
    MAX_EVENT_LOOP_DELAY_MS: '0',
    DATABASE_POOL_SIZE: '20',
  });
  try {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
    const run = randomUUID().slice(0, 8);
    let n = 0;
    const latencies: number[] = [];
    const statuses: Record<number, number> = {};
    const cpuBefore = cpuMs(registry.pid) ?? 0;
    const started = Date.now();
    const until = started + seconds * 1000;
    await Promise.all(
      Array.from({ length: Number(args.concurrency) }, async () => {
        while (Date.now() < until) {
          const body = JSON.stringify({ userId: `capacity-${run}-${n++}`, ip: '81.2.69.142', userAgent: BENCH_USER_AGENT });
          const t0 = Date.now();
          const status = await new Promise<number>((resolve) => {
            const req = http.request(
              `${registry.url}/v1/sessions`,
              {
                method: 'POST',
                agent,
                headers: {
                  authorization: `Bearer ${ctx.token}`,
                  'content-type': 'application/json',
                  'content-length': Buffer.byteLength(body),
                },
              },
              (res) => {
                res.resume();
                res.on('end', () => resolve(res.statusCode ?? 0));
              },
            );
            req.on('error', () => resolve(0));
            req.end(body);
          });
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (status === 201) latencies.push(Date.now() - t0);
        }
      }),
    );
    const elapsed = (Date.now() - started) / 1000;
    const cpu = (cpuMs(registry.pid) ?? 0) - cpuBefore;
    latencies.sort((a, b) => a - b);
    agent.destroy();
    out(
      `logins, ${args.concurrency} at a time: ${(latencies.length / elapsed).toFixed(0)} /s (${JSON.stringify(statuses)}; p50 ${latencies[Math.floor(latencies.length / 2)]} ms, p99 ${latencies[Math.floor(latencies.length * 0.99)]} ms; registry CPU ${(cpu / Math.max(1, latencies.length)).toFixed(2)} ms a login)`,
    );
  } finally {
    await stopService(registry);
  }
  out(`load average after ${os.loadavg()[0].toFixed(2)}; ${new Date().toISOString()}`);
} finally {
  await server?.stop();
}
