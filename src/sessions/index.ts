import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { DatabaseHandle } from '../db/database.js';
import type { Listener } from '../db/listener.js';
import type { GeoLookup } from '../enrich/types.js';
import { createUserAgentParser } from '../enrich/user-agent/index.js';
import { parseUserAgentPatterns } from '../enrich/user-agent/patterns.js';
import { createJobRunner, type Job, type JobRunner } from '../jobs/runner.js';
import type { Logger } from '../logger.js';
import { createActivity } from './activity.js';
import { accountRoutes } from './account-routes.js';
import { createAuthentication } from './authentication.js';
import { controlRoutes } from './control-routes.js';
import { createDetails } from './details.js';
import { createErasure } from './erasure.js';
import { createExports } from './export.js';
import { createIncidents } from './incidents.js';
import { incidentRoutes } from './incident-routes.js';
import type { SessionLimits, SessionRepositories, SessionsContext } from './context.js';
import { createEndings } from './endings.js';
import { createSweeper } from './jobs/sweeper.js';
import { createActivityBuffer } from './live-state/activity-buffer.js';
import { createSessionStates } from './live-state/session-state.js';
import { createListCache } from './live-state/list-cache.js';
import type { ActivityDelta } from './repositories/activity-flushes.js';
import { BYTES_PER_SESSION, createStateCache, type StateCache } from './live-state/state-cache.js';
import { createLogin } from './login.js';
import { createRateLimit } from '../http/rate-limit.js';
import { meRoutes } from './me-routes.js';
import { createSessionMetrics } from './metrics.js';
import type { SessionOperations } from './operations.js';
import { createQueries } from './queries.js';
import { createActivityFlushesRepository } from './repositories/activity-flushes.js';
import { createAddressRetentionRepository } from './repositories/address-retention.js';
import { createAdmissionsRepository } from './repositories/admissions.js';
import { createBatchEndsRepository } from './repositories/batch-ends.js';
import { createIncidentsRepository } from './repositories/incidents.js';
import { createSessionDetailsRepository } from './repositories/session-details.js';
import { createRevocationFeed } from './repositories/revocation-feed.js';
import { createSessionEndsRepository } from './repositories/session-ends.js';
import { createSessionEventsRepository } from './repositories/session-events.js';
import { createSessionListsRepository } from './repositories/session-lists.js';
import { createSessionReviewsRepository } from './repositories/session-reviews.js';
import { createSessionsRepository } from './repositories/sessions.js';
import { createUserDataRepository } from './repositories/user-data.js';
import { createReviews } from './reviews.js';
import { createTrust } from './trust.js';
import { createRevocation } from './revocation.js';
import { LocationSchema, SessionEventSchema, SessionSchema } from './schemas.js';
import { serviceRoutes } from './service-routes.js';

// The sessions feature: wires repositories, live state and behaviours, and hands its routes and
// its background work to the app.

/** The feature's settings, as the configuration gives them. */
export function sessionSettings(config: Config) {
  return {
    limits: {
      idleTimeoutSeconds: config.idleTimeoutSeconds,
      maxAgeSeconds: config.maxAgeSeconds,
      historyRetentionSeconds: config.historyRetentionSeconds,
      lifetimeLimitSeconds: config.lifetimeLimitSeconds,
      maxPerUser: config.sessionLimit.maxPerUser,
      limitPolicy: config.sessionLimit.policy,
      ipRetentionSeconds: config.ipRetentionSeconds,
      trustAfterSeconds: config.trustAfterSeconds,
    },
    flushIntervalMs: config.flushIntervalMs,
    sweepIntervalMs: config.sweepIntervalSeconds * 1000,
    revocationFeedGraceMs: config.revocationFeedGraceSeconds * 1000,
    stateCacheMaxMb: config.stateCacheMaxMb,
    rateLimitPerMinute: config.rateLimitPerMinute,
    userAgentPatterns: config.userAgentPatterns,
  };
}

export interface SessionsOptions {
  database: DatabaseHandle;
  clock: Clock;
  geo: GeoLookup;
  logger: Logger;
  limits: SessionLimits;
  flushIntervalMs: number;
  /** Sweep every this many ms; 0 leaves sweeping to whoever calls sweep(). */
  sweepIntervalMs: number;
  /** Where the feature's background jobs run (the app's runner); a runner of its own otherwise. */
  jobs?: JobRunner;
  /** Memory for the state cache; it holds as many sessions as fit (BYTES_PER_SESSION each). */
  stateCacheMaxMb: number;
  /** Calls a minute each session may make on its own routes (/v1/me). */
  rateLimitPerMinute: number;
  userAgentPatterns: string | null;
  /** How long the state cache may answer after the revocation feed was last heard, while it is lost. */
  revocationFeedGraceMs: number;
  /** Parts to use instead of the feature's own (held by the caller, to look into or to record). */
  cache?: StateCache;
  repositories?: Partial<SessionRepositories>;
}

const ACTIVITY_MAX_ENTRIES = 20_000;

export function createSessions(options: SessionsOptions) {
  const { database, logger } = options;
  const repositories: SessionRepositories = {
    sessions: createSessionsRepository(database),
    lists: createSessionListsRepository(database),
    ends: createSessionEndsRepository(database),
    events: createSessionEventsRepository(database),
    flushes: createActivityFlushesRepository(database),
    admissions: createAdmissionsRepository(database),
    batchEnds: createBatchEndsRepository(database),
    reviews: createSessionReviewsRepository(database),
    details: createSessionDetailsRepository(database),
    userData: createUserDataRepository(database),
    incidents: createIncidentsRepository(database),
    retention: createAddressRetentionRepository(database),
    ...options.repositories,
  };
  const lists = createListCache(options.clock);
  const cache = options.cache ?? createStateCache({ maxEntries: Math.floor((options.stateCacheMaxMb * 1024 * 1024) / BYTES_PER_SESSION) });
  const metrics = createSessionMetrics({ cacheSize: () => cache.size, feedUp: () => feed.whole });
  const feed = createRevocationFeed({
    clock: options.clock,
    logger,
    graceMs: options.revocationFeedGraceMs,
    onEnded: (ends) => {
      for (const end of ends) {
        cache.markEnded(end.id, end.endedAt, end.reason);
        if (end.userId !== null) lists.changed(end.userId);
      }
      // A removed session's user is not known: every list page may hold it.
      if (ends.some((end) => end.userId === null)) lists.clear();
    },
    endsSince: (since, limit) => repositories.ends.endsSince(since, limit),
    resync: () => cache.clear(),
    metrics,
  });
  const activity = createActivityBuffer({
    apply: (flushId, deltas) => repositories.flushes.apply(flushId, deltas),
    maxEntries: ACTIVITY_MAX_ENTRIES,
    logger,
    onFlushed: (deltas, ok) => flushed(deltas, ok),
  });
  function flushed(deltas: readonly ActivityDelta[], ok: boolean): void {
    metrics.flushed(ok);
    // What the list pages show of activity is now stored: pages read before are out of date.
    if (ok) for (const delta of deltas) lists.changed(delta.userId);
  }
  const ctx: SessionsContext = {
    repositories,
    cache,
    activity,
    lists,
    feed,
    clock: options.clock,
    geo: options.geo,
    userAgents: createUserAgentParser({ customPatterns: parseUserAgentPatterns(options.userAgentPatterns) }),
    metrics,
    limits: options.limits,
  };
  const endings = createEndings(ctx);
  const states = createSessionStates(ctx, endings);
  const queries = createQueries(ctx, states, endings);
  const trust = createTrust(ctx);
  const operations: SessionOperations = {
    login: createLogin(ctx, endings),
    activity: createActivity(ctx, states),
    queries,
    revocation: createRevocation(ctx, states, endings, trust),
    authentication: createAuthentication(ctx, states, queries),
    review: createReviews(ctx, states, endings, trust),
    details: createDetails(ctx, states),
    erasure: createErasure(ctx, endings),
    exportUser: createExports(ctx),
    incidents: createIncidents(ctx, endings),
  };
  const sweeper = createSweeper(ctx, endings);

  /**
   * Before the first request: every pooled connection opened, and the statements of the hot paths
   * prepared on each, so the first requests do not wait for connections and plans. A failure
   * (the database not there yet) is left for the requests to meet.
   */
  async function warmUp(): Promise<void> {
    const connections = database.poolSize;
    const probe = '00000000-0000-7000-8000-000000000000';
    await Promise.all(
      Array.from({ length: connections }, async () => {
        await repositories.sessions.findStatesByIds([probe]);
        await repositories.lists.page({ userId: probe, status: 'active', limit: 51, after: null, flagged: false });
        await repositories.lists.history(probe, null, 1);
      }),
    ).catch((error: Error) => logger.warn({ reason: error.message }, 'warm-up at start failed; continuing'));
  }
  const jobs = options.jobs ?? createJobRunner({ logger, clock: options.clock, tryLock: database.tryWithLock });
  const running: Job[] = [];

  return {
    operations,
    /** Writes expiries and purges old history now (the timer does it every sweep interval). */
    sweep: sweeper.sweep,
    /** Writes buffered activity now (the flusher does it every flush interval). */
    flushActivity: (): Promise<void> => activity.flush(),
    /** The revocation feed's state, for readiness. */
    feedStatus: () => feed.status(),
    /** Hears other instances' ends through the instance's one listener. */
    listenOn: (listener: Listener) => feed.attach(listener),
    metrics: metrics.registry,

    /** The routes, for the app to register; their shared schemas go to the root, for the OpenAPI document. */
    routes: fp(async function sessionRoutes(app: FastifyInstance) {
      for (const schema of [LocationSchema, SessionSchema, SessionEventSchema]) app.addSchema(schema);
      await app.register(serviceRoutes, { operations });
      const rateLimit = createRateLimit({ perMinute: options.rateLimitPerMinute, clock: options.clock });
      await app.register(controlRoutes, { operations });
      await app.register(incidentRoutes, { operations });
      await app.register(meRoutes, { operations, rateLimit });
      await app.register(accountRoutes, { operations, rateLimit });
    }),

    async start(): Promise<void> {
      await warmUp();
      running.push(jobs.add({ name: 'activity-flush', intervalMs: options.flushIntervalMs, run: () => activity.flush() }));
      if (options.sweepIntervalMs > 0)
        running.push(jobs.add({ name: 'sweep', intervalMs: options.sweepIntervalMs, run: async () => void (await sweeper.sweep()) }));
    },

    /** After the last request: stops the jobs (awaiting a round under way), writes what was recorded. */
    async close(): Promise<void> {
      await Promise.all(running.splice(0).map((job) => job.stop()));
      await activity.drain();
    },
  };
}

export type Sessions = ReturnType<typeof createSessions>;
