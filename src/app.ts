import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { authPlugin } from './auth/index.js';
import { systemClock, type Clock } from './clock.js';
import { createListener, type Listener } from './db/listener.js';
import type { Config } from './config.js';
import { openConfiguredDatabase, type DatabaseHandle } from './db/database.js';
import { openConfiguredGeo, type GeoFeature } from './enrich/geo/index.js';
import { createEvents, eventSettings, type Events } from './events/index.js';
import { healthFeature } from './health/index.js';
import { createAppMetrics } from './health/metrics.js';
import { createHealthRepository } from './health/repository.js';
import { httpLayer } from './http/index.js';
import { serverOptions } from './http/server-options.js';
import { loggerOptions } from './logger.js';
import { createSessions, sessionSettings, type Sessions } from './sessions/index.js';
import { uiRoutes } from './ui/index.js';

// The app: the HTTP layer, authentication, then the features, in this order. See src/README.md
// for the map of the folders and the path a login and a heartbeat take through them.

export interface BuildAppOptions {
  config: Config;
  /** A database handle to use (and not close); otherwise one is opened from config.databaseUrl. */
  database?: DatabaseHandle;
  clock?: Clock;
  /** The GeoIP data to use (the lookup is not closed; its updater runs with the app); otherwise the configured data is opened. */
  geo?: GeoFeature;
  /** The sessions feature, built by the caller with createSessions (started and stopped with the app). */
  sessions?: Sessions;
  /** The events feature, built by the caller with createEvents (started and stopped with the app). */
  events?: Events;
  /** The instance's one LISTEN connection (started and stopped with the app); otherwise one is made on `database`. */
  listener?: Listener;
  logger?: FastifyServerOptions['logger'];
  /** A ready pino logger (the process entry shares its own). */
  loggerInstance?: FastifyBaseLogger;
}

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config } = options;
  if (!config.databaseUrl && !options.database) throw new Error('buildApp needs config.databaseUrl or a database handle');
  const app = Fastify({
    ...serverOptions(config),
    ...(options.loggerInstance ? { loggerInstance: options.loggerInstance } : { logger: options.logger ?? loggerOptions(config.logLevel) }),
  });

  const database = options.database ?? openConfiguredDatabase(config);
  const geoFeature = options.geo ?? (await openConfiguredGeo(config.geoip, app.log));
  const { geo } = geoFeature;
  const sessions = options.sessions ?? createSessions({ ...sessionSettings(config), database, clock: options.clock ?? systemClock, geo, logger: app.log });
  const events = options.events ?? createEvents({ ...eventSettings(config), database, clock: options.clock ?? systemClock, logger: app.log });
  const metrics = createAppMetrics();
  // One LISTEN connection for the whole instance; each feature subscribes its channels.
  const listener = options.listener ?? createListener({ database, clock: options.clock ?? systemClock, logger: app.log });
  sessions.listenOn(listener);
  events.listenOn(listener);

  await httpLayer(app, { config, recordRequest: metrics.recordRequest });
  await app.register(authPlugin, {
    jwt: config.jwt,
    authFailuresPerMinute: config.authFailuresPerMinute,
    securityLog: app.log,
    authenticateSessionToken: sessions.operations.authentication.authenticate,
    authenticateSessionTokenFromMemory: sessions.operations.authentication.authenticateFromMemory,
  });
  await healthFeature(app, {
    ping: createHealthRepository(database).ping,
    geo,
    geoUpdates: geoFeature.updater ? () => geoFeature.updater?.status() ?? [] : null,
    feedStatus: sessions.feedStatus,
    registries: [metrics.registry, sessions.metrics, events.metrics, geoFeature.metrics],
    config,
  });
  await app.register(sessions.routes);
  await app.register(uiRoutes);
  await app.register(events.routes);

  app.addHook('onReady', async () => {
    await sessions.start();
    await events.start();
    await listener.start();
    await geoFeature.updater?.start();
  });
  app.addHook('onClose', async () => {
    // In-flight requests have finished by now: what they recorded is written before letting go.
    await listener.close();
    await events.close();
    await sessions.close();
    await geoFeature.updater?.close();
    if (!options.geo) await geo.close();
    if (!options.database) await database.close();
  });
  return app;
}
