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
  return sign({ scope: 'sessions:read sessions:write' });
}

/**
 * A registry instance as the production image runs it: the compiled build, with the image's CMD and
 * environment (NODE_ENV=production, its Node options), and no migrations.
 */
export function startRegistry(ctx: BenchContext, name: string, nodeArgs: string[] = [], env: Record<string, string> = {}): Promise<Service> {
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

export function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)];
}
