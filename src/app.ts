import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Config } from './config.js';
import { systemClock, type Clock } from './clock.js';
import { createDatabase, type DatabaseHandle } from './db/database.js';
import { errorHandler, ProblemSchema, sendProblem } from './errors.js';
import { authPlugin } from './auth/plugin.js';
import { protection } from './protection.js';
import { openApiOptions } from './openapi.js';
import { BUNDLED_CITY_DB, openGeoLookup } from './enrich/geo.js';
import { createUserAgentParser } from './enrich/user-agent.js';
import { parseUserAgentPatterns } from './enrich/patterns.js';
import type { GeoLookup } from './enrich/types.js';
import { createMetrics } from './health/metrics.js';
import { healthRoutes } from './health/routes.js';
import { createActivityBuffer } from './sessions/activity-buffer.js';
import { createEndedListener } from './sessions/ended-listener.js';
import { meRoutes } from './sessions/me-routes.js';
import { createSessionRepository } from './sessions/repository.js';
import { serviceRoutes } from './sessions/routes.js';
import { LocationSchema, SessionEventSchema, SessionSchema } from './sessions/schemas.js';
import { createSessionService } from './sessions/service.js';
import { createStateCache } from './sessions/state-cache.js';
import { lazyChildLoggerFactory } from './lazy-logger.js';

export interface BuildAppOptions {
  config: Config;
  /** A database handle to use (and not close); otherwise one is opened from config.databaseUrl. */
  database?: DatabaseHandle;
  clock?: Clock;
  /** A geo lookup to use (and not close); otherwise the configured or bundled City database is opened. */
  geo?: GeoLookup;
  logger?: FastifyServerOptions['logger'];
  /** A ready pino logger (the process entry shares its own). */
  loggerInstance?: FastifyBaseLogger;
  /** Start the sweeper timer (tests drive sweep() themselves). Default true. */
  sweeper?: boolean;
}

const QUIET_ROUTES = new Set(['/v1/sessions/:id/heartbeat', '/v1/me/heartbeat', '/healthz', '/readyz', '/metrics']);

export function loggerOptions(level: string): FastifyServerOptions['logger'] {
  return {
    level,
    // Credentials never reach the log, whatever is logged.
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie', 'token', '*.token', 'body.token', 'res.headers["set-cookie"]'],
      censor: '[redacted]',
    },
  };
}

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config } = options;
  if (!config.databaseUrl && !options.database) throw new Error('buildApp needs config.databaseUrl or a database handle');
  const app: FastifyInstance = Fastify({
    ...(options.loggerInstance ? { loggerInstance: options.loggerInstance } : { logger: options.logger ?? loggerOptions(config.logLevel) }),
    // Our own onResponse line replaces Fastify's two per request, and skips the hot paths.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    childLoggerFactory: lazyChildLoggerFactory,
    bodyLimit: config.bodyLimitBytes,
    // proxy-addr takes a hop count too, which Fastify's types do not list.
    trustProxy: config.trustProxy as boolean | string[],
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    routerOptions: { maxParamLength: 256 },
    // Refused while closing by the hook below, as a problem like every other error.
    return503OnClosing: false,
    // The router's own refusals (a malformed %-escape, an over-long path parameter) as problems too.
    frameworkErrors: (error, request, reply) => {
      reply.header('x-request-id', request.id);
      if (error.code === 'FST_ERR_BAD_URL') return sendProblem(request, reply, 'validation_failed', 'The URL is not validly %-encoded.');
      if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return sendProblem(request, reply, 'validation_failed', 'A path parameter is longer than any valid value.');
      request.log.error({ err: error }, 'request failed');
      return sendProblem(request, reply, 'internal', 'An unexpected error occurred. Quote the requestId when reporting it.');
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: true } },
  });
  // The API speaks JSON only; any other body is a 415, not a string that fails validation.
  app.removeContentTypeParser(['text/plain']);
  // Only a well-formed incoming request id is echoed; anything else is replaced.
  // Hooks on every request are callback-style: no promise per request on the hot path.
  app.addHook('onRequest', (request, reply, done) => {
    const incoming = request.headers['x-request-id'];
    if (typeof incoming === 'string' && !/^[A-Za-z0-9._:-]{1,128}$/.test(incoming)) request.id = randomUUID();
    reply.header('x-request-id', request.id);
    done();
  });
  // Once closing, a request that still arrives on an open connection is refused, and every answer
  // closes its connection: a kept-alive one would otherwise hold the close open until the client
  // dropped it, and the buffered activity would wait with it.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', (request, reply, done) => {
    if (!closing) return done();
    reply.header('retry-after', '1');
    sendProblem(request, reply, 'service_unavailable', 'The service is shutting down; retry shortly.');
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });

  const clock = options.clock ?? systemClock;
  const database = options.database ?? createDatabase({
    connectionString: config.databaseUrl as string,
    poolSize: config.databasePoolSize,
    maxQueue: config.databaseMaxQueue,
    statementTimeoutMs: config.statementTimeoutMs,
  });
  const geo = options.geo ?? (await openGeoLookup({ cityDbPath: config.geoipCityDb ?? BUNDLED_CITY_DB, asnDbPath: config.geoipAsnDb, logger: app.log, watch: true }));
  const repo = createSessionRepository(database.db, database.pool);
  const cache = createStateCache(200000);
  const buffer = createActivityBuffer({
    apply: (id, deltas) => repo.applyActivity(id, deltas),
    intervalMs: config.flushIntervalMs,
    maxEntries: 20000,
    logger: app.log,
    onFlushed: (_count, ok) => metrics.flushes.inc({ outcome: ok ? 'ok' : 'failed' }),
  });
  const listener = createEndedListener({
    connectionString: config.databaseUrl ?? (database.pool.options as { connectionString: string }).connectionString,
    logger: app.log,
    onEnded: (notices) => {
      for (const n of notices) cache.markEnded(n.id, Date.parse(n.endedAt), n.reason);
    },
    // Whatever was cached may have missed a revocation: drop it on loss and again on return.
    onTrustChange: () => cache.clear(),
  });
  const metrics = createMetrics({ cacheSize: () => cache.size, feedUp: () => listener.trusted });
  const userAgents = createUserAgentParser({ customPatterns: parseUserAgentPatterns(config.userAgentPatterns) });
  const sessions = createSessionService({
    repo,
    cache,
    buffer,
    listener,
    clock,
    geo,
    userAgents,
    metrics,
    defaults: {
      idleTimeoutSeconds: config.idleTimeoutSeconds,
      maxAgeSeconds: config.maxAgeSeconds,
      historyRetentionSeconds: config.historyRetentionSeconds,
    },
  });
  app.decorate('registry', { sessions, cache, buffer, listener, repo, database, geo, metrics });

  await app.register(errorHandler);
  app.addSchema(ProblemSchema);
  app.addSchema(LocationSchema);
  app.addSchema(SessionSchema);
  app.addSchema(SessionEventSchema);
  await app.register(swagger, openApiOptions);
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.recordRequest(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
    if (!QUIET_ROUTES.has(route) || reply.statusCode >= 500) {
      request.log.info({ method: request.method, route, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request completed');
    }
    done();
  });

  await app.register(protection, {
    perMinute: config.rateLimitPerMinute,
    authFailuresPerMinute: config.authFailuresPerMinute,
    maxEventLoopDelayMs: config.maxEventLoopDelayMs,
    maxEventLoopUtilization: config.maxEventLoopUtilization,
  });
  await app.register(authPlugin, { config, sessions });
  await app.register(healthRoutes, { db: database.db, geo, metrics, listener, metricsToken: config.metricsToken });
  await app.register(serviceRoutes, { sessions });
  await app.register(meRoutes, { sessions });
  await app.register(import('./ui/index.js'));

  let sweepTimer: NodeJS.Timeout | null = null;
  app.addHook('onReady', async () => {
    await listener.start();
    buffer.start();
    if (options.sweeper !== false) {
      sweepTimer = setInterval(() => {
        sessions.sweep().catch((error: Error) => app.log.warn({ reason: error.message }, 'sweep failed; will retry'));
      }, config.sweepIntervalSeconds * 1000);
      sweepTimer.unref();
    }
  });
  app.addHook('onClose', async () => {
    if (sweepTimer) clearInterval(sweepTimer);
    // In-flight requests have finished by now: write what they recorded before letting go.
    await buffer.close();
    await listener.close();
    if (!options.geo) await geo.close();
    if (!options.database) await database.close();
  });
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    registry: {
      sessions: ReturnType<typeof createSessionService>;
      cache: ReturnType<typeof createStateCache>;
      buffer: ReturnType<typeof createActivityBuffer>;
      listener: ReturnType<typeof createEndedListener>;
      repo: ReturnType<typeof createSessionRepository>;
      database: DatabaseHandle;
      geo: GeoLookup;
      metrics: ReturnType<typeof createMetrics>;
    };
  }
}
