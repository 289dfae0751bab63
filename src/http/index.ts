import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { errorHandler } from '../errors.js';
import { accessLog } from './access-log.js';
import { wellFormedJsonBodies } from './json-body.js';
import { loadShedding } from './load-shedding.js';
import { noStoreForApi } from './no-store.js';
import { openApi } from './openapi.js';
import { requestIds } from './request-id.js';
import { lingeringCloses } from './lingering-close.js';
import { shutdownGuard } from './shutdown-guard.js';

export interface HttpOptions {
  config: Config;
  recordRequest(route: string, method: string, status: number, seconds: number): void;
}

/**
 * What every request goes through before and after its route, in order: request id, no-store on
 * the API, refusal while closing, well-formed JSON bodies, errors as problems, the OpenAPI
 * document, the access log, load shedding.
 * Registered on the root instance, so that every route below shares it.
 */
export async function httpLayer(app: FastifyInstance, { config, recordRequest }: HttpOptions): Promise<void> {
  requestIds(app);
  noStoreForApi(app);
  shutdownGuard(app);
  lingeringCloses(app);
  wellFormedJsonBodies(app);
  await app.register(errorHandler);
  await openApi(app);
  accessLog(app, recordRequest);
  await loadShedding(app, config);
}
