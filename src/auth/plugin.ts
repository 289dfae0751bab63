import fp from 'fastify-plugin';
import fastifyJwt from '@fastify/jwt';
import { LRUCache } from 'lru-cache';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
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
    requireScope(scope: Scope): preHandlerAsyncHookHandler;
    requireSessionToken: preHandlerAsyncHookHandler;
  }
}

const MAX_TOKEN_LENGTH = 8192;

interface VerifiedClaims {
  exp: number;
  sub?: unknown;
  scope?: unknown;
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

  // Backends reuse one token for many calls: a verified token's claims are kept (bounded), and
  // never trusted past its exp. Keyed by the token itself, so a different token is verified anew.
  const verified = new LRUCache<string, VerifiedClaims>({ max: 10000 });

  app.decorate('requireScope', (scope: Scope): preHandlerAsyncHookHandler => {
    return async function serviceAuth(request, reply) {
      app.refuseIfBlocked(request);
      const token = bearer(request);
      if (!token) throw unauthorized(reply, 'Send a service token as "Authorization: Bearer <jwt>".');
      if (looksLikeSessionToken(token)) throw unauthorized(reply, 'This route takes a service token, not a session token.');
      let payload = verified.get(token);
      if (!payload || payload.exp * 1000 <= Date.now()) {
        try {
          payload = app.jwt.verify<VerifiedClaims>(token);
        } catch {
          throw unauthorized(reply, 'The service token is invalid or expired.');
        }
        verified.set(token, payload);
      }
      const granted = typeof payload.scope === 'string' ? payload.scope.split(' ') : Array.isArray(payload.scope) ? payload.scope : [];
      const allowed = granted.includes(scope) || (scope === 'sessions:read' && granted.includes('sessions:write'));
      if (!allowed) throw new ApiError('forbidden', `This token lacks the ${scope} scope.`);
      request.caller = { kind: 'service', subject: typeof payload.sub === 'string' ? payload.sub.slice(0, 128) : 'unknown' };
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
