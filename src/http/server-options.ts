import { LogController, type FastifyServerOptions } from 'fastify';
import type { Config } from '../config.js';
import { sendProblem } from '../errors.js';
import { clientErrorHandler } from './client-errors.js';
import { lazyChildLoggerFactory } from './lazy-logger.js';
import { lowercaseKeyword } from './canonical-ids.js';
import { generateRequestId } from './request-id.js';

/** How the HTTP server parses, validates, identifies and logs requests (Fastify's constructor options). */
export function serverOptions(config: Config): FastifyServerOptions {
  return {
    // The access log's own line replaces Fastify's two per request, and skips the hot paths.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    childLoggerFactory: lazyChildLoggerFactory,
    bodyLimit: config.bodyLimitBytes,
    // proxy-addr takes a hop count too, which Fastify's types do not list.
    trustProxy: config.trustProxy as boolean | string[],
    requestIdHeader: 'x-request-id',
    genReqId: generateRequestId,
    routerOptions: { maxParamLength: 256 },
    // Refused while closing by the shutdown guard, as a problem like every other error.
    return503OnClosing: false,
    // The router's own refusals (a malformed %-escape, an over-long path parameter) as problems too.
    frameworkErrors: (error, request, reply) => {
      reply.header('x-request-id', request.id);
      if (error.code === 'FST_ERR_BAD_URL') {
        sendProblem(request, reply, 'validation_failed', 'The URL is not validly %-encoded.');
      } else if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
        sendProblem(request, reply, 'validation_failed', 'A path parameter is longer than any valid value.');
      } else {
        request.log.error({ code: error.code, reason: error.message }, 'request failed');
        sendProblem(request, reply, 'internal', 'An unexpected error occurred. Quote the requestId when reporting it.');
      }
    },
    clientErrorHandler,
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: true },
      plugins: [lowercaseKeyword],
    },
  };
}
