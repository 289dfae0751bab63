import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/app.js';
import { systemClock, type Clock } from '../../../src/clock.js';
import { openConfiguredDatabase, type DatabaseHandle } from '../../../src/db/database.js';
import { givenGeo } from '../../../src/enrich/geo/index.js';
import type { GeoLookup } from '../../../src/enrich/types.js';
import { createEvents, eventSettings } from '../../../src/events/index.js';
import {
  createTestDatabase,
  createTestSessions,
  openTestGeo,
  silentLogger,
  testConfig,
  type TestDatabase,
  type TestSessions,
} from '../../helper.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

/** Limits high enough that they never mask what a test looks at (the rate-limit tests set their own). */
export const UNLIMITED = { RATE_LIMIT_PER_MINUTE: '1000000', AUTH_FAILURES_PER_MINUTE: '1000000' };

/** Keys for the events feature, so that webhook endpoints of both formats can be made. */
const EVENT_KEYS = {
  WEBHOOK_SECRETS_KEY: randomBytes(32).toString('base64'),
  EVENTS_SIGNING_KEY: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
};

/** Every host name is public and nothing is looked up: endpoint URLs are checked without the network. */
const offlineResolve = async () => [{ address: '93.184.216.34', family: 4 as const }];

export interface ConfiguredApp extends TestSessions {
  app: FastifyInstance;
  db: TestDatabase;
  database: DatabaseHandle;
  geo: GeoLookup;
}

/**
 * An in-process app built the way the server builds it: the database pool comes from the
 * configuration (DATABASE_POOL_SIZE, DATABASE_STATEMENT_TIMEOUT_MS), and so does the City
 * database (GEOIP_CITY_DB, watched for replacement), not from the test helper.
 */
export async function buildConfiguredApp(
  t: Teardown,
  env: Record<string, string> = {},
  options: { db?: TestDatabase; clock?: Clock; geo?: GeoLookup } = {},
): Promise<ConfiguredApp> {
  const db = options.db ?? (await createTestDatabase());
  const config = testConfig(db.url, { ...UNLIMITED, ...EVENT_KEYS, ...env });
  const database = openConfiguredDatabase(config);
  const feature = options.geo ? givenGeo(options.geo) : await openTestGeo(t, config);
  const { geo } = feature;
  const parts = createTestSessions(config, database, { clock: options.clock, geo });
  // Endpoints made here are never delivered to: no background work, so no connection leaves the machine.
  const events = createEvents({
    ...eventSettings(config),
    database,
    clock: options.clock ?? systemClock,
    logger: silentLogger,
    resolve: offlineResolve,
    background: false,
  });
  const app = await buildApp({ config, database, clock: options.clock, geo: feature, sessions: parts.sessions, events, logger: false });
  await app.ready();
  t.teardown(async () => {
    await app.close();
    await database.close();
    if (!options.db) await db.drop();
  });
  await settled(app);
  return { app, db, database, geo, ...parts };
}

/**
 * Load shedding samples the event loop once a second, and a second in which the loop was blocked
 * (module loading, opening the GeoIP file) reads as overload for the next second. Tests that are
 * not about overload start after one clean sample.
 */
export async function settled(app: FastifyInstance): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1050));
  const end = Date.now() + 5000;
  while (app.isUnderPressure() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 50));
}

export { isProblem } from './problem.js';
