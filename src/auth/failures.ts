import { epochMs, type Clock } from '../clock.js';
import ipaddr from 'ipaddr.js';
import { LRUCache } from 'lru-cache';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.js';
import type { Logger } from '../logger.js';

const WINDOW_MS = 60_000;
const TRACKED_KEYS = 100_000;
/** Failed authentications written to the log per window; the rest are counted in one line. */
const LOGGED_PER_WINDOW = 60;

export type TokenKind = 'service' | 'session';

/**
 * Where failures are counted: the caller's address (an IPv6 /64, which one subscriber usually
 * holds whole) and the kind of credential tried. Backends relay many users' session tokens from one
 * address, so a user's polling tab with an ended token must not count against service tokens.
 */
function keyOf(address: string, kind: TokenKind): string {
  if (!ipaddr.isValid(address)) return `${kind}|${address}`;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return `${kind}|${parsed.toString()}`;
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16));
  return `${kind}|${parts.join(':')}::/64`;
}

/**
 * Failed authentications: counted per address and credential kind, refused with 429 past the limit,
 * and written to the log as security events (bounded, so an attack cannot flood it). Only failed
 * attempts are ever refused: a valid credential is checked first and always served.
 */
export function createAuthFailures(options: { perMinute: number; logger: Logger; clock: Clock }) {
  const counts = new LRUCache<string, { count: number; resetAt: number }>({ max: TRACKED_KEYS });
  let windowEndsAt = 0;
  let logged = 0;
  let suppressed = 0;

  function log(address: string, kind: TokenKind, reason: string, now: number): void {
    if (now >= windowEndsAt) {
      if (suppressed > 0)
        options.logger.warn({ event: 'authentication_failed', suppressed }, 'more failed authentications than were logged');
      windowEndsAt = now + WINDOW_MS;
      logged = 0;
      suppressed = 0;
    }
    if (logged < LOGGED_PER_WINDOW) {
      logged++;
      options.logger.warn({ event: 'authentication_failed', address, tokenKind: kind, reason }, 'authentication failed');
    } else {
      suppressed++;
    }
  }

  return {
    /**
     * Records a failed attempt and returns the error to answer it with: 401 asking for a bearer
     * token, or 429 once this address has failed too often with this kind of credential.
     */
    failed(request: FastifyRequest, reply: FastifyReply, kind: TokenKind, reason: string, detail: string): ApiError {
      const now = epochMs(options.clock);
      log(request.ip, kind, reason, now);
      const key = keyOf(request.ip, kind);
      let entry = counts.get(key);
      if (!entry || entry.resetAt <= now) {
        entry = { count: 0, resetAt: now + WINDOW_MS };
        counts.set(key, entry);
      }
      entry.count++;
      if (entry.count > options.perMinute) {
        return new ApiError('rate_limited', 'Too many failed authentications from this address; retry later.', {
          retryAfterSeconds: Math.ceil((entry.resetAt - now) / 1000),
        });
      }
      reply.header('www-authenticate', 'Bearer');
      return new ApiError('unauthorized', detail);
    },
  };
}

export type AuthFailures = ReturnType<typeof createAuthFailures>;
