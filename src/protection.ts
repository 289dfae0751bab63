import fp from 'fastify-plugin';
import rateLimit from '@fastify/rate-limit';
import underPressure from '@fastify/under-pressure';
import { LRUCache } from 'lru-cache';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, sendProblem } from './errors.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Counts a failed authentication from this caller; too many in a minute and it is refused for a while. */
    noteAuthFailure(request: FastifyRequest): void;
    refuseIfBlocked(request: FastifyRequest): void;
  }
}

const FAILURE_WINDOW_MS = 60000;

// Load shedding and abuse limits. Shedding answers 503 with Retry-After while the event loop is
// saturated, instead of queueing without bound; rate limits answer 429 with Retry-After.
export const protection = fp(async function protection(app: FastifyInstance, options: { perMinute: number; authFailuresPerMinute: number; maxEventLoopDelayMs: number; maxEventLoopUtilization: number }) {
  await app.register(underPressure, {
    maxEventLoopDelay: options.maxEventLoopDelayMs,
    ...(options.maxEventLoopUtilization > 0 ? { maxEventLoopUtilization: options.maxEventLoopUtilization } : {}),
    maxHeapUsedBytes: 1536 * 1024 * 1024,
    retryAfter: 1,
    pressureHandler: (request, reply) => {
      reply.header('retry-after', '1');
      sendProblem(request, reply, 'service_unavailable', 'The service is overloaded; retry shortly.');
    },
  });
  await app.register(rateLimit, {
    global: false,
    max: options.perMinute,
    timeWindow: 60000,
    cache: 50000,
    errorResponseBuilder: (_request, context) => {
      const error = new ApiError('rate_limited', `Too many requests; retry in ${Math.ceil(context.ttl / 1000)} s.`);
      return Object.assign(error, { statusCode: 429 });
    },
  });

  const failures = new LRUCache<string, { count: number; resetAt: number }>({ max: 100000 });
  app.decorate('noteAuthFailure', (request: FastifyRequest) => {
    const now = Date.now();
    const entry = failures.get(request.ip);
    if (!entry || entry.resetAt <= now) failures.set(request.ip, { count: 1, resetAt: now + FAILURE_WINDOW_MS });
    else entry.count++;
  });
  app.decorate('refuseIfBlocked', (request: FastifyRequest) => {
    if (failures.size === 0) return;
    const entry = failures.get(request.ip);
    const now = Date.now();
    if (entry && entry.resetAt > now && entry.count >= options.authFailuresPerMinute) {
      throw new ApiError('rate_limited', 'Too many failed authentications from this address; retry later.', {
        retryAfterSeconds: Math.ceil((entry.resetAt - now) / 1000),
      });
    }
  });
});
