// What every figure needs: the database under test, a service token, and a way to start instances.
import { randomBytes } from 'node:crypto';
import { createSigner } from 'fast-jwt';
import pg from 'pg';
import { imageRuntime } from '../scripts/image.js';
import { startService, type Service } from './processes.js';
import type { Vocabulary } from './seed-data.js';

export interface BenchContext {
  adminUrl: string;
  dbName: string;
  dbUrl: string;
  secret: string;
  token: string;
  roundSeconds: number;
  vocab: Vocabulary;
  log(message: string): void;
}

/** In production /metrics is served only with a token: the benchmark scrapes with this one. */
export const METRICS_TOKEN = 'bench-metrics-token-0123456789';

export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function mintToken(secret: string): string {
  const sign = createSigner({
    key: secret,
    algorithm: 'HS256',
    iss: 'session-registry',
    aud: 'session-registry',
    sub: 'bench',
    expiresIn: 3 * 3600_000,
  });
  // A backend's scopes, and an operator's for the incident figures (search, bulk revoke).
  return sign({ scope: 'sessions:read sessions:write sessions:admin' });
}

/**
 * A registry instance as the production image runs it: the compiled build, with the image's CMD and
 * environment (NODE_ENV=production, its Node options), and no migrations.
 */
export function startRegistry(
  ctx: BenchContext,
  name: string,
  nodeArgs: string[] = [],
  env: Record<string, string> = {},
): Promise<Service> {
  const image = imageRuntime();
  const [program, ...args] = image.command;
  if (program !== 'node' || args.length !== 1) throw new Error(`unexpected image CMD: ${JSON.stringify(image.command)}`);
  return startService({
    name,
    script: args[0],
    nodeArgs,
    readyPath: '/readyz',
    env: {
      NODE_OPTIONS: image.env.NODE_OPTIONS ?? '',
      NODE_ENV: image.env.NODE_ENV ?? 'production',
      DATABASE_URL: ctx.dbUrl,
      JWT_SECRET: ctx.secret,
      LOG_LEVEL: 'warn',
      MIGRATE_ON_START: 'false',
      METRICS_TOKEN,
      ...env,
    },
  });
}

export async function query<T extends pg.QueryResultRow>(ctx: BenchContext, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: ctx.dbUrl, application_name: 'session-registry-bench' });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

export async function withDbClient<T>(ctx: BenchContext, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ctx.dbUrl, application_name: 'session-registry-bench' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export const HEARTBEAT_BODY = JSON.stringify({ pageViews: 1, path: '/app/dashboard' });
export const ME_HEARTBEAT_BODY = HEARTBEAT_BODY;
export const BENCH_USER_AGENT =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

/**
 * `users` users with `perUser` active sessions each, as logins through the API would leave them
 * (written directly, so thousands take a second): each with its token, as the browser whose
 * User-Agent the /v1/me rounds send, from 127.0.0.1.
 */
export async function insertUserSessions(
  ctx: BenchContext,
  users: number,
  perUser: number,
): Promise<Array<{ token: string; userId: string }>> {
  const { issueToken } = await import('../src/auth/session-tokens.js');
  const { v7 } = await import('uuid');
  const { createUserAgentParser, deviceKey, PARSER_VERSION } = await import('../src/enrich/user-agent/index.js');
  const { isBot: _isBot, ...agent } = createUserAgentParser().parse(BENCH_USER_AGENT);
  const sessions = Array.from({ length: users * perUser }, (_, i) => {
    const id = v7();
    return { id, userId: `bench-me-${Math.floor(i / perUser)}`, ...issueToken(id) };
  });
  await withDbClient(ctx, (c) =>
    c.query(
      `insert into sessions (id, user_id, token_hash, created_at, last_active_at, idle_timeout_seconds, max_age_seconds, absolute_expires_at,
                             expiry_check_at, ip, user_agent, parser_version, agent, device_key, risk)
       select u.id, u.user_id, u.hash, now(), now(), 1209600, 7776000, now() + interval '90 days', now() + interval '14 days',
              '127.0.0.1', $4, $5, $6::jsonb, $7, '{"flags":[],"reasons":[]}'
       from unnest($1::uuid[], $2::text[], $3::bytea[]) as u(id, user_id, hash)`,
      [
        sessions.map((s) => s.id),
        sessions.map((s) => s.userId),
        sessions.map((s) => s.hash),
        BENCH_USER_AGENT,
        PARSER_VERSION,
        JSON.stringify(agent),
        deviceKey(agent),
      ],
    ),
  );
  return sessions.map((s) => ({ token: s.token, userId: s.userId }));
}

export function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)];
}

/**
 * Writes back what the benchmark's own set-up dirtied (a copied data set, a million rows touched)
 * before a timed phase, so that its timings are the service's and not the set-up's write-back
 * landing in the middle. Needs a role allowed to CHECKPOINT; without one the phase runs as it is.
 */
export async function settle(ctx: BenchContext): Promise<void> {
  const started = Date.now();
  try {
    await query(ctx, 'checkpoint');
    ctx.log(`  checkpoint before timing: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    ctx.log(`  no checkpoint before timing (${(error as Error).message})`);
  }
}
