import { epochMs, systemClock } from '../clock.js';
import fastifyJwt from '@fastify/jwt';
import { createVerifier } from 'fast-jwt';
import { LRUCache } from 'lru-cache';
import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import type { Config } from '../config.js';
import { ApiError } from '../errors.js';
import { bearer } from './bearer.js';
import type { Caller } from './caller.js';
import type { AuthFailures } from './failures.js';
import { looksLikeSessionToken } from './session-tokens.js';
import { grantedScopes, type Scope } from './scopes.js';

// The JWT library checks exp against the system's time; iat and the maximum age are checked
// against the same time, so a token is judged by one clock (the injected one drives sessions).
const clock = systemClock;

export type { Scope } from './scopes.js';

/** Verified tokens kept (each until its exp): backends reuse one token for many calls. */
const VERIFIED_TOKENS = 10_000;
/** Clock skew tolerated between the token's issuer and this service. */
const CLOCK_TOLERANCE_MS = 5_000;

interface VerifiedClaims {
  exp: number;
  iat?: number;
  sub?: unknown;
  scope?: unknown;
}

/** What a verified service token grants, derived once per verified token. */
interface Grant {
  scopes: ReadonlySet<string>;
  caller: Readonly<Caller>;
}

function grantOf(claims: VerifiedClaims): Grant {
  const scopes = grantedScopes(claims.scope);
  return {
    scopes,
    caller: Object.freeze({
      kind: 'service' as const,
      subject: typeof claims.sub === 'string' ? claims.sub.slice(0, 128) : 'unknown',
      scopes,
    }),
  };
}

/**
 * Service JWTs: @fastify/jwt with the algorithm pinned; iss, aud, exp and iat required; no token
 * older than the configured maximum age, nor issued in the future (beyond the clock tolerance). During a key rotation the previous key is accepted too,
 * until the moment the configuration names.
 */
export async function registerServiceTokens(
  app: FastifyInstance,
  jwt: Config['jwt'],
  failures: AuthFailures,
): Promise<(...scopes: Scope[]) => onRequestHookHandler> {
  const symmetric = jwt.algorithm.startsWith('HS');
  const verifyOptions = {
    // Pinned: a token naming any other algorithm (none, or HS256 signed with the public key) fails.
    algorithms: [jwt.algorithm],
    allowedIss: [jwt.issuer],
    allowedAud: [jwt.audience],
    // fast-jwt accepts a token without these claims unless told they are required.
    requiredClaims: ['iss', 'aud', 'exp', 'iat'],
    clockTolerance: CLOCK_TOLERANCE_MS,
  };
  await app.register(fastifyJwt, {
    secret: symmetric ? (jwt.secret as string) : { public: jwt.publicKey as string, private: jwt.privateKey ?? undefined },
    sign: { algorithm: jwt.algorithm, iss: jwt.issuer, aud: jwt.audience },
    // @fastify/jwt reads a numeric maxAge as seconds (fast-jwt itself takes milliseconds).
    verify: { ...verifyOptions, maxAge: jwt.maxAgeSeconds },
  });
  const previous = jwt.previous
    ? {
        verify: createVerifier({ ...verifyOptions, maxAge: jwt.maxAgeSeconds * 1000, key: jwt.previous.key }),
        untilMs: jwt.previous.until.getTime(),
      }
    : null;

  // Backends reuse one token for many calls: what a verified token grants is kept, keyed by the
  // token itself and never past the moment its verification would fail (exp, or iat + max age).
  // fast-jwt's own cache would key it by a SHA-256 of the token, computed on every request.
  const grants = new LRUCache<string, { grant: Grant; validUntil: number }>({ max: VERIFIED_TOKENS });
  /** The token's claims, and until when they may be trusted without checking again. */
  const verify = (token: string): { claims: VerifiedClaims; trustedUntil: number } | null => {
    let claims: VerifiedClaims;
    let keyUntil = Number.POSITIVE_INFINITY;
    try {
      claims = app.jwt.verify<VerifiedClaims>(token);
    } catch {
      if (previous === null || epochMs(clock) >= previous.untilMs) return null;
      try {
        claims = previous.verify(token) as VerifiedClaims;
        keyUntil = previous.untilMs;
      } catch {
        return null;
      }
    }
    // A token issued in the future would outlive the maximum age by as much (fast-jwt checks iat only against maxAge).
    if (typeof claims.iat !== 'number' || claims.iat * 1000 > epochMs(clock) + CLOCK_TOLERANCE_MS) return null;
    const trustedUntil = Math.min(claims.exp * 1000 + CLOCK_TOLERANCE_MS, (claims.iat ?? 0) * 1000 + jwt.maxAgeSeconds * 1000, keyUntil);
    return { claims, trustedUntil };
  };
  const grantFor = (token: string): Grant | null => {
    const kept = grants.get(token);
    if (kept !== undefined && epochMs(clock) < kept.validUntil) return kept.grant;
    const verified = verify(token);
    if (verified === null) {
      grants.delete(token);
      return null;
    }
    const grant = grantOf(verified.claims);
    grants.set(token, { grant, validUntil: verified.trustedUntil });
    return grant;
  };

  // Runs before the body is read, so an unauthenticated caller learns nothing from validation.
  // Synchronous: no promise per request on the hot path.
  return (...required) =>
    function serviceAuth(request, reply, done) {
      try {
        const token = bearer(request);
        if (!token) throw failures.failed(request, reply, 'service', 'missing', 'Send a service token as "Authorization: Bearer <jwt>".');
        if (looksLikeSessionToken(token))
          throw failures.failed(
            request,
            reply,
            'service',
            'session token on a service route',
            'This route takes a service token, not a session token.',
          );
        const grant = grantFor(token);
        if (!grant) throw failures.failed(request, reply, 'service', 'invalid or expired', 'The service token is invalid or expired.');
        const lacking = required.filter((scope) => !grant.scopes.has(scope));
        if (lacking.length > 0)
          throw new ApiError('forbidden', `This token lacks the ${lacking.join(' and ')} scope${lacking.length > 1 ? 's' : ''}.`);
        request.caller = grant.caller;
      } catch (error) {
        done(error as Error);
        return;
      }
      done();
    };
}
