// `node --import tsx bench/profile-hot.ts service|user|list|bare`: a CPU profile (in bench/profiles) of one kind of hot-path load, for finding where its time goes.
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
import { runLoad } from './load.js';
import { ROOT, startService, stopService } from './processes.js';
import { buildVocabulary, insertUsers } from './seed-data.js';

const kind = process.argv[2] ?? 'service';
const server = await startServer(ROOT);
const dbName = `sr_prof_${Date.now()}`;
await createBenchDatabase(server.adminUrl, dbName);
const secret = newSecret();
const ctx: BenchContext = {
  adminUrl: server.adminUrl,
  dbName,
  dbUrl: withDatabase(server.adminUrl, dbName),
  secret,
  token: mintToken(secret),
  roundSeconds: 5,
  vocab: await buildVocabulary(),
  log: console.error,
};
const registry =
  kind === 'bare'
    ? await startService({
        name: 'bare',
        script: 'bench/bare-server.ts',
        readyPath: '/healthz',
        env: {},
        nodeArgs: ['--cpu-prof', '--cpu-prof-dir=bench/profiles'],
      })
    : await startRegistry(ctx, 'registry', ['--cpu-prof', '--cpu-prof-dir=bench/profiles']);
const ids = await withDbClient(ctx, (c) =>
  insertUsers(c, ctx.vocab, { prefix: 'hot-', users: 400, active: 5, ended: 0, rBase: 60_000_000, returnIds: true }),
);
const users = kind === 'service' || kind === 'bare' ? [] : await insertUserSessions(ctx, 800, 5);
const next =
  kind === 'bare'
    ? () => ({ path: `/hb/${pick(ids)}` })
    : kind === 'service'
      ? () => ({ path: `/v1/sessions/${pick(ids)}/heartbeat` })
      : kind === 'user'
        ? () => ({ path: '/v1/me/heartbeat', headers: { authorization: `Bearer ${pick(users).token}`, 'user-agent': BENCH_USER_AGENT } })
        : () => ({ path: '/v1/me/sessions', headers: { authorization: `Bearer ${pick(users).token}`, 'user-agent': BENCH_USER_AGENT } });
const result = await runLoad({
  url: registry.url,
  connections: 50,
  seconds: 8,
  method: kind === 'list' ? 'GET' : 'POST',
  headers: kind === 'service' ? { authorization: `Bearer ${ctx.token}` } : {},
  body: kind === 'list' ? undefined : HEARTBEAT_BODY,
  next,
});
console.error(kind, Math.round(result.rps), JSON.stringify(result.statuses));
await stopService(registry);
await dropDatabase(server.adminUrl, dbName);
await server.stop();
