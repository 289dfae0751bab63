// Incident search on the seeded table (by address and by network, across users), and the bulk
// revokes of a hundred thousand sessions: every session from one address, and every session of
// one user.
import { withDbClient, type BenchContext } from './context.js';
import { createClient, runLoad, type LoadResult } from './load.js';
import type { Service } from './processes.js';
import { insertUsers } from './seed-data.js';

const WARMUP = 20;
/** An address no seeded place uses: the bulk revoke's sessions are exactly the ones inserted for it. */
const BULK_IP = '198.51.100.77';

export interface IncidentFigures {
  searchByAddress: LoadResult & { matchesPerAddress: number };
  searchByNetwork: LoadResult;
  /** POST /v1/sessions/revoke matching `sessions` active sessions of many users. */
  bulkRevoke: { sessions: number; ms: number; revoked: number };
  /** POST /v1/users/{userId}/sessions/revoke for one user with `sessions` active sessions. */
  revokeUser: { sessions: number; ms: number; revoked: number; ids: number };
}

export async function incidentFigures(
  ctx: BenchContext,
  registry: Service,
  options: { samples: number; bulk: number },
): Promise<IncidentFigures> {
  const base = { url: registry.url, headers: { authorization: `Bearer ${ctx.token}` } };
  const places = (JSON.parse(ctx.vocab.places) as Array<{ ip: string }>).map((p) => p.ip);
  const pickPlace = () => places[Math.floor(Math.random() * places.length)];

  ctx.log(`  search by address: ${options.samples} requests, one at a time, first page of 50, across all users`);
  const byAddress = () => ({ path: `/v1/sessions?ip=${pickPlace()}&limit=50` });
  await runLoad({ ...base, connections: 1, amount: WARMUP, method: 'GET', next: byAddress });
  const searchByAddress = await runLoad({ ...base, connections: 1, amount: options.samples, method: 'GET', next: byAddress });
  const [{ n }] = await withDbClient(
    ctx,
    async (c) => (await c.query<{ n: string }>('select count(*) as n from sessions where ip = $1', [places[0]])).rows,
  );

  ctx.log(`  search by /24 network: ${options.samples} requests, one at a time`);
  const byNetwork = () => ({ path: `/v1/sessions?network=${pickPlace().replace(/\.\d+$/, '.0')}/24&limit=50` });
  await runLoad({ ...base, connections: 1, amount: WARMUP, method: 'GET', next: byNetwork });
  const searchByNetwork = await runLoad({ ...base, connections: 1, amount: options.samples, method: 'GET', next: byNetwork });

  const client = createClient(registry.url, ctx.token);
  try {
    ctx.log(`  bulk revoke: ${options.bulk.toLocaleString('en-US')} active sessions of ${options.bulk / 100} users from one address`);
    await withDbClient(ctx, (c) =>
      insertUsers(c, ctx.vocab, {
        prefix: `bulk${Date.now().toString(36)}-`,
        users: options.bulk / 100,
        active: 100,
        ended: 0,
        rBase: 80_000_000,
        ip: BULK_IP,
      }),
    );
    await withDbClient(ctx, (c) => c.query('vacuum (analyze) sessions'));
    const dry = await client.call('POST', '/v1/sessions/revoke', { ip: BULK_IP, reason: 'suspicious' });
    if (dry.status !== 200) throw new Error(`bulk revoke dry run answered ${dry.status}: ${JSON.stringify(dry.json)}`);
    const bulk = await client.call('POST', '/v1/sessions/revoke', {
      ip: BULK_IP,
      reason: 'suspicious',
      expectedCount: (dry.json as { matched: number }).matched,
    });
    if (bulk.status !== 200) throw new Error(`bulk revoke answered ${bulk.status}: ${JSON.stringify(bulk.json)}`);

    ctx.log(`  revoke all of one user with ${options.bulk.toLocaleString('en-US')} active sessions`);
    const user = `huge${Date.now().toString(36)}-`;
    await withDbClient(ctx, (c) =>
      insertUsers(c, ctx.vocab, { prefix: user, users: 1, active: options.bulk, ended: 0, rBase: 90_000_000 }),
    );
    await withDbClient(ctx, (c) => c.query('vacuum (analyze) sessions'));
    const all = await client.call('POST', `/v1/users/${user}0/sessions/revoke`, { reason: 'password_change' });
    if (all.status !== 200) throw new Error(`revoke of all answered ${all.status}: ${JSON.stringify(all.json)}`);
    const allBody = all.json as { revoked: number; ids: string[] };
    return {
      searchByAddress: { ...searchByAddress, matchesPerAddress: Number(n) },
      searchByNetwork,
      bulkRevoke: { sessions: options.bulk, ms: bulk.ms, revoked: (bulk.json as { revoked: number }).revoked },
      revokeUser: { sessions: options.bulk, ms: all.ms, revoked: allBody.revoked, ids: allBody.ids.length },
    };
  } finally {
    client.close();
  }
}
