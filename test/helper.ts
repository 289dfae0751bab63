import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApp } from '../src/app.js';
import { systemClock, type Clock } from '../src/clock.js';
import { loadConfig, type Config } from '../src/config.js';
import { createDatabase, type DatabaseHandle, type DatabasePool } from '../src/db/database.js';
import { createListener, type Listener } from '../src/db/listener.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { givenGeo, openConfiguredGeo, type GeoFeature } from '../src/enrich/geo/index.js';
import type { GeoLookup } from '../src/enrich/types.js';
import type { Logger } from '../src/logger.js';
import type { SessionRepositories } from '../src/sessions/context.js';
import { createSessions, sessionSettings, type Sessions } from '../src/sessions/index.js';
import { BYTES_PER_SESSION, createStateCache, type StateCache } from '../src/sessions/live-state/state-cache.js';
import { createSessionEventsRepository, type SessionEventsRepository } from '../src/sessions/repositories/session-events.js';
import { createSessionsRepository, type SessionsRepository } from '../src/sessions/repositories/sessions.js';

// Every test file gets its own database, cloned from a template that has all migrations applied
// (built once per set of migrations), so files run in parallel and never see each other's rows.

export const TEST_SECRET = 'test-secret-that-is-long-enough-0123456789';

export function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run the suite with `npm test`');
  return url;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

function migrationsHash(): string {
  const dir = path.resolve(import.meta.dirname, '..', 'migrations');
  const hash = createHash('sha256');
  for (const file of readdirSync(dir).sort()) hash.update(file).update(readFileSync(path.join(dir, file)));
  return hash.digest('hex').slice(0, 12);
}

async function ensureTemplate(admin: pg.Client): Promise<string> {
  const name = `sr_template_${migrationsHash()}`;
  await admin.query('select pg_advisory_lock(727272)');
  try {
    const exists = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0) {
      const building = `${name}_building`;
      await admin.query(`drop database if exists ${building}`);
      await admin.query(`create database ${building}`);
      const handle = createDatabase({ connectionString: withDatabase(databaseUrl(), building), poolSize: 1 });
      await migrateToLatest(handle.db);
      await handle.close();
      await admin.query(`alter database ${building} rename to ${name}`);
    }
  } finally {
    await admin.query('select pg_advisory_unlock(727272)');
  }
  return name;
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const admin = new pg.Client({ connectionString: databaseUrl() });
  await admin.connect();
  try {
    const template = await ensureTemplate(admin);
    const name = `sr_test_${randomBytes(6).toString('hex')}`;
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`create database ${name} template ${template}`);
        break;
      } catch (error) {
        // Another file copying the same template at this instant: wait and retry.
        if (attempt > 20 || !/being accessed by other users/.test((error as Error).message)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
      }
    }
    return {
      url: withDatabase(databaseUrl(), name),
      name,
      async drop() {
        const client = new pg.Client({ connectionString: databaseUrl() });
        await client.connect();
        await client.query(`drop database if exists ${name} with (force)`);
        await client.end();
      },
    };
  } finally {
    await admin.end();
  }
}

export function testConfig(url: string, env: Record<string, string> = {}): Config {
  // Load shedding is tested on purpose in the fault suite; elsewhere a busy test machine must not trip it.
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: url,
    JWT_SECRET: TEST_SECRET,
    LOG_LEVEL: 'silent',
    MAX_EVENT_LOOP_DELAY_MS: '0',
    ...env,
  });
}

/** A clock that stands still until told to move. */
export function fixedClock(start = new Date('2026-06-01T12:00:00.000Z')) {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    advance(ms: number) {
      now += ms;
    },
    set(date: Date) {
      now = date.getTime();
    },
  } satisfies Clock & Record<string, unknown>;
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };

/** The GeoIP data as `config` names it (the bundled data by default), opened for one test and closed after it. */
export async function openTestGeo(t: Teardown, config: Config): Promise<GeoFeature> {
  const feature = await openConfiguredGeo(config.geoip, silentLogger);
  t.teardown(() => feature.geo.close());
  return feature;
}

/** The sessions feature of a test app, with its state cache held outside it. */
export interface TestSessions {
  sessions: Sessions;
  cache: StateCache;
}

/**
 * The sessions feature as buildApp builds it from `config`, but with its state cache handed in (so
 * a test can read it), and no sweeper timer (tests sweep when they choose).
 */
export function createTestSessions(
  config: Config,
  handle: DatabaseHandle,
  options: { clock?: Clock; geo: GeoLookup; repositories?: Partial<SessionRepositories> },
): TestSessions {
  const cache = createStateCache({ maxEntries: Math.floor((config.stateCacheMaxMb * 1024 * 1024) / BYTES_PER_SESSION) });
  const sessions = createSessions({
    ...sessionSettings(config),
    sweepIntervalMs: 0,
    database: handle,
    clock: options.clock ?? systemClock,
    geo: options.geo,
    logger: silentLogger,
    cache,
    repositories: options.repositories,
  });
  return { sessions, cache };
}

export interface TestApp extends TestSessions {
  app: FastifyInstance;
  listener: Listener;
  db: TestDatabase;
  handle: DatabasePool;
  /** The stored rows, read as the service reads them. */
  rows: SessionsRepository;
  eventLog: SessionEventsRepository;
}

/** An app on a fresh database; closed and dropped when the test ends. */
export async function buildTestApp(
  t: Teardown,
  options: {
    clock?: Clock;
    geo?: GeoLookup;
    env?: Record<string, string>;
    db?: TestDatabase;
    logStream?: { write(line: string): void };
    /** Makes the listener's connections (to make them fail on purpose). */
    listenerConnect?: () => pg.Client;
  } = {},
): Promise<TestApp> {
  const db = options.db ?? (await createTestDatabase());
  const config = testConfig(db.url, options.env);
  const handle = createDatabase({ connectionString: db.url, poolSize: 5 });
  const geo = options.geo ? givenGeo(options.geo) : await openTestGeo(t, config);
  const parts = createTestSessions(config, handle, { clock: options.clock, geo: geo.geo });
  const logger = options.logStream ? { level: 'info', stream: options.logStream } : false;
  const listener = createListener({
    database: handle,
    clock: options.clock ?? systemClock,
    logger: silentLogger,
    connect: options.listenerConnect,
  });
  const app = await buildApp({ config, database: handle, clock: options.clock, geo, sessions: parts.sessions, listener, logger });
  await app.ready();
  t.teardown(async () => {
    await app.close();
    await handle.close();
    if (!options.db) await db.drop();
  });
  return { app, db, handle, listener, ...parts, rows: createSessionsRepository(handle), eventLog: createSessionEventsRepository(handle) };
}

export function serviceToken(app: FastifyInstance, scope = 'sessions:read sessions:write', claims: Record<string, unknown> = {}): string {
  return app.jwt.sign({ scope, sub: 'test-backend', ...claims }, { expiresIn: '1h' });
}

export const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

export async function login(
  app: FastifyInstance,
  body: Record<string, unknown> = {},
): Promise<{ session: any; token: string; evicted: string[] }> {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/sessions',
    headers: { authorization: `Bearer ${serviceToken(app)}` },
    payload: { userId: 'alice', userAgent: CHROME_MAC, ip: '81.2.69.142', ...body },
  });
  if (response.statusCode !== 201) throw new Error(`login failed: ${response.statusCode} ${response.body}`);
  return response.json();
}

/** app.inject with a bearer token. */
export function call(app: FastifyInstance, token: string, options: InjectOptions) {
  return app.inject({ ...options, headers: { ...(options.headers ?? {}), authorization: `Bearer ${token}` } });
}

/** Polls `check` every 10 ms until it holds (true) or `ms` pass (false). */
export async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return false;
}
