import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { systemClock, type Clock } from '../clock.js';
import type { Config } from '../config.js';
import { createDatabase, type DatabaseHandle } from '../db/database.js';
import { createJobRunner, type Job, type JobRunner } from '../jobs/runner.js';
import type { Listener } from '../db/listener.js';
import type { Logger } from '../logger.js';
import type { EventRepositories, EventsContext } from './context.js';
import { systemResolve, type Resolve } from './delivery/destinations.js';
import { createPayloads, PayloadUnavailableError } from './delivery/payloads.js';
import { createSender } from './delivery/sender.js';
import { createEndpointOperations } from './endpoints.js';
import { createFeed } from './feed.js';
import { feedRoutes } from './feed-routes.js';
import { createDeliveryWorker } from './jobs/delivery-worker.js';
import { createEventRetention, EVENT_RETENTION_LOCK_KEY } from './jobs/retention.js';
import { createEventMetrics } from './metrics.js';
import { createOutboxEventsRepository } from './repositories/outbox-events.js';
import { createWebhookDeliveriesRepository } from './repositories/webhook-deliveries.js';
import { createWebhookEndpointsRepository } from './repositories/webhook-endpoints.js';
import { DeliverySchema, LifecycleEventSchema, WebhookEndpointSchema } from './schemas.js';
import { EVENTS_CHANNEL } from './vocabulary.js';
import type { EventsConfig } from './settings.js';
import { loadSigningKey } from './signing-key.js';
import { webhookRoutes } from './webhook-routes.js';

// The events feature: the outbox (written by the database itself, see the migration), the feed,
// webhook endpoints, the delivery worker and its retention job, CAEP signing. It hands its routes
// and its background work to the app.

export function eventSettings(config: Config) {
  return { settings: config.events, databaseUrl: config.databaseUrl, statementTimeoutMs: config.statementTimeoutMs };
}

/** Connections of the background work's own pool: dispatch, claims and settling at once, and one spare. */
const WORKER_POOL_SIZE = 4;

export interface EventsOptions {
  /** For the API (the request pool). */
  database: DatabaseHandle;
  /**
   * The background work gets a small pool of its own on this database (so it never takes a
   * connection a request waits for); without it, it shares `database`.
   */
  databaseUrl?: string | null;
  statementTimeoutMs?: number;
  clock: Clock;
  logger: Logger;
  settings: EventsConfig;
  /** Resolves endpoint host names for the address checks; the system resolver by default. */
  resolve?: Resolve;
  /** Whether this instance delivers webhooks and purges old events (default true). */
  background?: boolean;
  /** How often old events are purged (default every minute). */
  retentionIntervalMs?: number;
  /** Where the feature's background jobs run (the app's runner); a runner of its own otherwise. */
  jobs?: JobRunner;
  repositories?: Partial<EventRepositories>;
}

export function createEvents(options: EventsOptions) {
  const { database, settings, logger } = options;
  const background = options.background ?? true;
  // Claims, settlements and purges may be lost in a crash without harm (a lost claim or outcome
  // means an attempt made again, with the same webhook-id): their commits do not wait for the
  // disk, so they never queue behind, or in front of, the commits of logins and revokes. The
  // dispatch, whose positions readers rely on, turns it back on for its own transaction.
  const ownPool =
    background && options.databaseUrl
      ? createDatabase({
          connectionString: options.databaseUrl,
          poolSize: WORKER_POOL_SIZE,
          statementTimeoutMs: options.statementTimeoutMs,
          applicationName: 'session-registry-events',
          synchronousCommit: false,
        })
      : null;
  const workerDatabase = ownPool ?? database;
  const repositories: EventRepositories = {
    outbox: createOutboxEventsRepository(database),
    endpoints: createWebhookEndpointsRepository(database),
    deliveries: createWebhookDeliveriesRepository(database),
    ...options.repositories,
  };
  // The same repositories on the background work's pool; overrides reach them too.
  const work = {
    outbox: options.repositories?.outbox ?? createOutboxEventsRepository(workerDatabase),
    deliveries: options.repositories?.deliveries ?? createWebhookDeliveriesRepository(workerDatabase),
  };
  const tryLock = workerDatabase.tryWithLock;
  const jobs = options.jobs ?? createJobRunner({ logger, clock: options.clock, tryLock });
  const signingKey = settings.signingKey ? loadSigningKey(settings.signingKey) : null;
  const policy = {
    allowPrivateNetworks: settings.allowPrivateNetworks,
    httpsOnly: settings.httpsOnly,
    resolve: options.resolve ?? systemResolve,
    resolveTimeoutMs: Math.min(settings.timeoutMs, 5000),
  };
  const ctx: EventsContext = {
    repositories,
    clock: options.clock,
    policy,
    secretsKey: settings.secretsKey,
    signingKey,
    issuer: settings.issuer,
  };
  const endpoints = createEndpointOperations(ctx);
  const feed = createFeed(ctx);
  const sender = createSender({ policy, timeoutMs: settings.timeoutMs, maxSockets: settings.concurrency });
  const payloads = createPayloads({ secretsKey: settings.secretsKey, signingKey, issuer: settings.issuer });
  const metrics = createEventMetrics();
  const worker = createDeliveryWorker({
    outbox: work.outbox,
    deliveries: work.deliveries,
    async attempt(delivery) {
      try {
        // The system's clock, not the injected one: receivers check webhook-timestamp against theirs.
        return await sender.send(payloads.build(delivery, systemClock.now()));
      } catch (error) {
        if (!(error instanceof PayloadUnavailableError)) throw error;
        logger.error({ endpoint: delivery.endpointId, reason: error.message }, 'webhook attempt impossible as configured');
        return { ok: false, statusCode: null, durationMs: 0, error: error.message };
      }
    },
    concurrency: settings.concurrency,
    timeoutMs: settings.timeoutMs,
    pollIntervalMs: settings.pollIntervalMs,
    retryScheduleMs: settings.retryScheduleMs,
    logger,
    onAttemptStarted: metrics.attemptStarted,
    onAttempt: metrics.attempted,
    jobs,
    clock: options.clock,
  });
  const retention = createEventRetention({ outbox: work.outbox, retentionSeconds: settings.retentionSeconds });
  let retentionJob: Job | null = null;

  return {
    endpoints,
    feed,
    /** Purges events past retention now (the timer does it every minute). */
    purge: retention.purge,
    metrics: metrics.registry,

    /**
     * The outbox trigger's notices (sent when sessions end) through the instance's one listener wake
     * the delivery worker at once instead of at its next poll; a lost connection costs only latency
     * (the worker polls regardless), and what ended during the gap is found at the reconnect.
     */
    listenOn(listener: Listener): void {
      if (!background) return;
      listener.subscribe({ channel: EVENTS_CHANNEL, onNotify: () => worker.wake(), onReconnected: () => worker.wake() });
    },

    routes: fp(async function eventRoutes(app: FastifyInstance) {
      for (const schema of [WebhookEndpointSchema, DeliverySchema, LifecycleEventSchema]) app.addSchema(schema);
      await app.register(webhookRoutes, { endpoints });
      await app.register(feedRoutes, { feed, signingKey, issuer: settings.issuer });
    }),

    async start(): Promise<void> {
      if (!background) return;
      worker.start();
      retentionJob = jobs.add({
        name: 'event-retention',
        intervalMs: options.retentionIntervalMs ?? 60_000,
        lockKey: EVENT_RETENTION_LOCK_KEY,
        tryLock,
        run: async () => void (await retention.purge()),
      });
    },

    /** Stops claiming; attempts under way get a moment to finish, the rest are given back for any instance. */
    async close(): Promise<void> {
      await retentionJob?.stop();
      if (background) {
        await worker.close();
      }
      sender.close();
      await ownPool?.close();
    },
  };
}

export type Events = ReturnType<typeof createEvents>;
