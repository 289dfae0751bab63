import { collectDefaultMetrics, Registry } from 'prom-client';
import { createRequestMetrics } from './request-metrics.js';

/** The process's and the HTTP server's figures; features keep their own registries beside it. */
export function createAppMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'session_registry_' });
  const requests = createRequestMetrics(registry);
  return { registry, recordRequest: requests.record };
}
