import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.js';

/** Keys the limiter tracks (least recently used dropped first). */
const TRACKED_KEYS = 50_000;

/** Per-route request limits (routes opt in with `config.rateLimit`), answered 429 with Retry-After. */
export async function rateLimits(app: FastifyInstance, options: { perMinute: number }): Promise<void> {
  await app.register(rateLimit, {
    global: false,
    // After authentication (onRequest), so that a limit can be keyed by who is calling.
    hook: 'preHandler',
    max: options.perMinute,
    timeWindow: 60_000,
    cache: TRACKED_KEYS,
    errorResponseBuilder: (_request, context) => {
      const error = new ApiError('rate_limited', `Too many requests; retry in ${Math.ceil(context.ttl / 1000)} s.`);
      return Object.assign(error, { statusCode: 429 });
    },
  });
}
