import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import type { Config } from '../config.js';
import { errorHandler } from '../errors.js';
import { metricsRoute } from './metrics-route.js';
import { healthRoutes, type HealthOptions } from './routes.js';

export interface HealthFeatureOptions extends HealthOptions {
  /** Every registry /metrics serves. */
  registries: Registry[];
  config: Pick<Config, 'production' | 'metricsToken' | 'metricsListener'>;
}

/**
 * Liveness and readiness on the API port; metrics there too, except in production without
 * METRICS_TOKEN, and except when they have a listener of their own (METRICS_PORT).
 */
export async function healthFeature(app: FastifyInstance, options: HealthFeatureOptions): Promise<void> {
  const { config } = options;
  await app.register(healthRoutes, options);
  const registry = Registry.merge(options.registries);
  if (config.metricsListener !== null) {
    const { port, host } = config.metricsListener;
    const listener = Fastify({ logger: false });
    await listener.register(errorHandler);
    await listener.register(metricsRoute, { registry, token: config.metricsToken });
    // Bound before the API listens: a port already taken stops the start, with its reason.
    app.addHook('onReady', async () => {
      await listener.listen({ port, host });
    });
    app.addHook('onClose', async () => {
      await listener.close();
    });
  } else if (!config.production || config.metricsToken !== null) {
    await app.register(metricsRoute, { registry, token: config.metricsToken });
  } else {
    app.log.warn({}, 'metrics are not served: set METRICS_TOKEN or METRICS_PORT to expose them in production');
  }
}
