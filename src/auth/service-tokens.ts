import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, preHandlerHookHandler } from 'fastify';
import type { Config } from '../config.js';
import { ApiError } from '../errors.js';
import { bearer, unauthorized } from './bearer.js';
import type { Caller } from './caller.js';
import type { AuthFailures } from './failures.js';
import { looksLikeSessionToken } from './session-tokens.js';

/** webhooks:manage is implied by no other scope: sessions:write does not reach the webhook endpoints. */
export type Scope = 'sessions:read' | 'sessions:write' | 'webhooks:manage';

/** Verified tokens kept (each until its exp): backends reuse one token for many calls. */
const VERIFIED_TOKENS = 10_000;

interface VerifiedClaims {
  exp: number;
  sub?: unknown;
  scope?: unknown;
}

/** What a verified service token grants, derived once per verified token. */
interface Grant {
  scopes: ReadonlySet<string>;
  caller: Readonly<Caller>;
}

function grantOf(claims: VerifiedClaims): Grant {
  const granted = typeof claims.scope === 'string' ? claims.scope.split(' ') : Array.isArray(claims.scope) ? claims.scope.map(String) : [];
  // Write implies read.
  if (granted.includes('sessions:write')) granted.push('sessions:read');
  return {
    scopes: new Set(granted),
    caller: Object.freeze({ kind: 'service' as const, subject: typeof claims.sub === 'string' ? claims.sub.slice(0, 128) : 'unknown' }),
  };
}

/** Service JWTs: @fastify/jwt with the algorithm pinned and iss, aud and exp required. */
export async function registerServiceTokens(app: FastifyInstance, jwt: Config['jwt'], failures: AuthFailures): Promise<(scope: Scope) => preHandlerHookHandler> {
  const symmetric = jwt.algorithm.startsWith('HS');
  await app.register(fastifyJwt, {
    secret: symmetric ? (jwt.secret as string) : { public: jwt.publicKey as string, private: jwt.privateKey ?? undefined },
    sign: { algorithm: jwt.algorithm, iss: jwt.issuer, aud: jwt.audience },
    verify: {
      // Pinned: a token naming any other algorithm (none, or HS256 signed with the public key) fails.
      algorithms: [jwt.algorithm],
      allowedIss: [jwt.issuer],
      allowedAud: [jwt.audience],
      // fast-jwt accepts a token without aud/iss/exp unless told they are required.
      requiredClaims: ['iss', 'aud', 'exp'],
      clockTolerance: 5,
      // fast-jwt keeps a verified token's payload (keyed by the token's hash) until its exp.
      cache: VERIFIED_TOKENS,
    },
  });

  // The cache hands back the same payload object for the same token: the grant derived from it
  // is kept beside it, and goes when the payload leaves the cache.
  const grants = new WeakMap<object, Grant>();
  const grantFor = (token: string): Grant | null => {
    let claims: VerifiedClaims;
    try {
      claims = app.jwt.verify<VerifiedClaims>(token);
    } catch {
      return null;
    }
    let grant = grants.get(claims);
    if (grant === undefined) {
      grant = grantOf(claims);
      grants.set(claims, grant);
    }
    return grant;
  };

  // Synchronous: no promise per request on the hot path.
  return (scope) =>
    function serviceAuth(request, reply, done) {
      try {
        failures.refuseIfBlocked(request);
        const token = bearer(request);
        if (!token) throw unauthorized(reply, failures, 'Send a service token as "Authorization: Bearer <jwt>".');
        if (looksLikeSessionToken(token)) throw unauthorized(reply, failures, 'This route takes a service token, not a session token.');
        const grant = grantFor(token);
        if (!grant) throw unauthorized(reply, failures, 'The service token is invalid or expired.');
        if (!grant.scopes.has(scope)) throw new ApiError('forbidden', `This token lacks the ${scope} scope.`);
        request.caller = grant.caller;
      } catch (error) {
        done(error as Error);
        return;
      }
      done();
    };
}
