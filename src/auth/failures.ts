import { LRUCache } from 'lru-cache';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors.js';

const FAILURE_WINDOW_MS = 60_000;
const TRACKED_ADDRESSES = 100_000;

/** Counts failed authentications per address; too many in a minute and the address is refused for a while. */
export function createAuthFailures(perMinute: number) {
  const failures = new LRUCache<string, { count: number; resetAt: number }>({ max: TRACKED_ADDRESSES });
  return {
    note(request: FastifyRequest): void {
      const now = Date.now();
      const entry = failures.get(request.ip);
      if (!entry || entry.resetAt <= now) failures.set(request.ip, { count: 1, resetAt: now + FAILURE_WINDOW_MS });
      else entry.count++;
    },
    refuseIfBlocked(request: FastifyRequest): void {
      if (failures.size === 0) return;
      const entry = failures.get(request.ip);
      const now = Date.now();
      if (entry && entry.resetAt > now && entry.count >= perMinute) {
        throw new ApiError('rate_limited', 'Too many failed authentications from this address; retry later.', {
          retryAfterSeconds: Math.ceil((entry.resetAt - now) / 1000),
        });
      }
    },
  };
}

export type AuthFailures = ReturnType<typeof createAuthFailures>;
