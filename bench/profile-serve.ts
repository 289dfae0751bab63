// Scratch: a registry (and a bare server) left running for manual probes; prints their URLs and a token.
import { mintToken, newSecret, startRegistry, withDbClient, type BenchContext } from './context.js';
import { createBenchDatabase, startServer, withDatabase } from './db.js';
import { ROOT, startService } from './processes.js';
import { buildVocabulary, insertUsers } from './seed-data.js';
const server = await startServer(ROOT);
const dbName = `sr_serve_${Date.now()}`;
await createBenchDatabase(server.adminUrl, dbName);
const secret = newSecret();
const ctx: BenchContext = { adminUrl: server.adminUrl, dbName, dbUrl: withDatabase(server.adminUrl, dbName), secret, token: mintToken(secret), roundSeconds: 5, vocab: await buildVocabulary(), log: console.error };
const registry = await startRegistry(ctx, 'registry');
const bare = await startService({ name: 'bare', script: 'bench/bare-server.ts', readyPath: '/healthz', env: {} });
const ids = await withDbClient(ctx, (c) => insertUsers(c, ctx.vocab, { prefix: 'hot-', users: 10, active: 1, ended: 0, rBase: 60_000_000, returnIds: true }));
console.log(JSON.stringify({ registry: registry.url, registryPid: registry.pid, bare: bare.url, barePid: bare.pid, token: ctx.token, id: ids[0] }));
await new Promise((resolve) => setTimeout(resolve, 600_000));
