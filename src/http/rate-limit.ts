import { epochMs, type Clock } from '../clock.js';
import type { FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import { ApiError } from '../errors.js';

const WINDOW_MS = 60_000;
/** Keys counted at once; past it the counts start afresh (as an LRU's eviction would). */
const MAX_KEYS = 200_000;

interface Window {
  resetAt: number;
  count: number;
}

/**
 * Fixed one-minute windows per key, answered 429 with Retry-After past `perMinute`, with the usual
 * X-RateLimit-* headers. Counts live in two generations of maps that are swapped every window, so
 * a key unused for two windows costs nothing and no per-key timer or recency list is kept: this
 * runs on every call of the user's own routes, the heartbeat included.
 */
export function createRateLimit(options: { perMinute: number; clock: Clock }) {
  let current = new Map<string, Window>();
  let previous = new Map<string, Window>();
  let rotateAt = 0;

  function windowOf(key: string, now: number): Window {
    if (now >= rotateAt || current.size >= MAX_KEYS) {
      previous = current;
      current = new Map();
      rotateAt = now + WINDOW_MS;
    }
    let window = current.get(key);
    if (window === undefined) {
      window = previous.get(key);
      if (window === undefined || window.resetAt <= now) window = { resetAt: now + WINDOW_MS, count: 0 };
      current.set(key, window);
    } else if (window.resetAt <= now) {
      window.resetAt = now + WINDOW_MS;
      window.count = 0;
    }
    return window;
  }

  /** A preHandler that counts each call under `keyOf(request)`. */
  return (keyOf: (request: FastifyRequest) => string): preHandlerHookHandler =>
    function rateLimit(request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void): void {
      const now = epochMs(options.clock);
      const window = windowOf(keyOf(request), now);
      window.count++;
      const seconds = Math.ceil((window.resetAt - now) / 1000);
      reply.header('x-ratelimit-limit', options.perMinute);
      reply.header('x-ratelimit-remaining', Math.max(0, options.perMinute - window.count));
      reply.header('x-ratelimit-reset', seconds);
      if (window.count > options.perMinute) {
        done(new ApiError('rate_limited', `Too many requests; retry in ${seconds} s.`, { retryAfterSeconds: seconds }));
        return;
      }
      done();
    };
}
