import fp from 'fastify-plugin';
import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler, preHandlerHookHandler } from 'fastify';
import type { Config } from '../config.js';
import { ApiError } from '../errors.js';
import type { Caller, SessionService } from '../sessions/service.js';
import { looksLikeSessionToken } from '../sessions/token.js';

export type Scope = 'sessions:read' | 'sessions:write';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller;
  }
  interface FastifyInstance {
    requireScope(scope: Scope): preHandlerHookHandler;
    requireSessionToken: preHandlerAsyncHookHandler;
  }
}

const MAX_TOKEN_LENGTH = 8192;

interface VerifiedClaims {
  exp: number;
  sub?: unknown;
  scope?: unknown;
}

/** What a verified service token grants, derived once per token. */
interface Grant {
  expiresAtMs: number;
  scopes: ReadonlySet<string>;
  caller: Readonly<Caller>;
}

const MAX_VERIFIED_TOKENS = 10000;

function grantOf(claims: VerifiedClaims): Grant {
  const granted = typeof claims.scope === 'string' ? claims.scope.split(' ') : Array.isArray(claims.scope) ? claims.scope.map(String) : [];
  // Write implies read.
  if (granted.includes('sessions:write')) granted.push('sessions:read');
  return {
    expiresAtMs: claims.exp * 1000,
    scopes: new Set(granted),
    caller: Object.freeze({ kind: 'service' as const, subject: typeof claims.sub === 'string' ? claims.sub.slice(0, 128) : 'unknown' }),
  };
}

function bearer(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string' || header.length > MAX_TOKEN_LENGTH + 7) return null;
  const match = /^Bearer ([\x21-\x7e]+)$/i.exec(header);
  return match ? match[1] : null;
}

const unauthorized = (reply: FastifyReply, detail: string) => {
  reply.header('www-authenticate', 'Bearer');
  reply.server.noteAuthFailure(reply.request);
  return new ApiError('unauthorized', detail);
};

export const authPlugin = fp(async function auth(app: FastifyInstance, options: { config: Config; sessions: SessionService }) {
  const { jwt } = options.config;
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
    },
  });

  app.decorateRequest('caller', null as never);

  // Backends reuse one token for many calls: what a verified token grants is kept (bounded, oldest
  // dropped first) and never trusted past its exp. Keyed by the token itself, so a different token
  // is verified anew. The hook is synchronous: no promise per request on the hot path.
  const verified = new Map<string, Grant>();
  const grantFor = (token: string): Grant | null => {
    const cached = verified.get(token);
    if (cached !== undefined && cached.expiresAtMs > Date.now()) return cached;
    let claims: VerifiedClaims;
    try {
      claims = app.jwt.verify<VerifiedClaims>(token);
    } catch {
      verified.delete(token);
      return null;
    }
    const grant = grantOf(claims);
    verified.delete(token);
    if (verified.size >= MAX_VERIFIED_TOKENS) verified.delete(verified.keys().next().value as string);
    verified.set(token, grant);
    return grant;
  };

  app.decorate('requireScope', (scope: Scope): preHandlerHookHandler => {
    return function serviceAuth(request, reply, done) {
      try {
        app.refuseIfBlocked(request);
        const token = bearer(request);
        if (!token) throw unauthorized(reply, 'Send a service token as "Authorization: Bearer <jwt>".');
        if (looksLikeSessionToken(token)) throw unauthorized(reply, 'This route takes a service token, not a session token.');
        const grant = grantFor(token);
        if (!grant) throw unauthorized(reply, 'The service token is invalid or expired.');
        if (!grant.scopes.has(scope)) throw new ApiError('forbidden', `This token lacks the ${scope} scope.`);
        request.caller = grant.caller;
      } catch (error) {
        done(error as Error);
        return;
      }
      done();
    };
  });

  app.decorate('requireSessionToken', async function sessionAuth(request: FastifyRequest, reply: FastifyReply) {
    app.refuseIfBlocked(request);
    const token = bearer(request);
    if (!token) throw unauthorized(reply, 'Send the session token as "Authorization: Bearer <token>".');
    if (!looksLikeSessionToken(token)) throw unauthorized(reply, 'This route takes a session token, not a service token.');
    const state = await options.sessions.authenticate(token);
    if (!state) throw unauthorized(reply, 'The session token is invalid or its session has ended.');
    request.caller = { kind: 'user', userId: state.userId, sessionId: state.id };
  });
});
