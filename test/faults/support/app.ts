import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/app.js';
import type { Clock } from '../../../src/clock.js';
import type { GeoLookup } from '../../../src/enrich/types.js';
import { createTestDatabase, testConfig, type TestDatabase } from '../../helper.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

/** Limits high enough that they never mask what a test looks at (the rate-limit tests set their own). */
export const UNLIMITED = { RATE_LIMIT_PER_MINUTE: '1000000', AUTH_FAILURES_PER_MINUTE: '1000000' };

/**
 * An in-process app built the way the server builds it: the database pool comes from the
 * configuration (DATABASE_POOL_SIZE, DATABASE_STATEMENT_TIMEOUT_MS), not from the test helper.
 */
export async function buildConfiguredApp(
  t: Teardown,
  env: Record<string, string> = {},
  options: { db?: TestDatabase; clock?: Clock; geo?: GeoLookup } = {},
): Promise<{ app: FastifyInstance; db: TestDatabase }> {
  const db = options.db ?? (await createTestDatabase());
  const app = await buildApp({ config: testConfig(db.url, { ...UNLIMITED, ...env }), clock: options.clock, geo: options.geo, logger: false, sweeper: false });
  await app.ready();
  t.teardown(async () => {
    await app.close();
    if (!options.db) await db.drop();
  });
  await settled(app);
  return { app, db };
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

export const isProblem = (response: { statusCode: number; headers: Record<string, unknown>; body: string }): boolean => {
  if (!String(response.headers['content-type'] ?? '').startsWith('application/problem+json')) return false;
  try {
    const body = JSON.parse(response.body) as Record<string, unknown>;
    return (
      body.status === response.statusCode &&
      typeof body.type === 'string' &&
      typeof body.title === 'string' &&
      typeof body.detail === 'string' &&
      typeof body.code === 'string' &&
      typeof body.requestId === 'string'
    );
  } catch {
    return false;
  }
};
