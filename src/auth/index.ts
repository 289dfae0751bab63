import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler, onRequestHookHandler } from 'fastify';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { bearer } from './bearer.js';
import type { Caller } from './caller.js';
import { createAuthFailures } from './failures.js';
import { registerServiceTokens, type Scope } from './service-tokens.js';
import { looksLikeSessionToken } from './session-tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller;
  }
  interface FastifyInstance {
    /** An onRequest hook that admits service JWTs carrying `scope`. */
    requireScope(scope: Scope): onRequestHookHandler;
    /** An onRequest hook that admits session tokens of usable sessions. */
    requireSessionToken: onRequestAsyncHookHandler;
  }
}

export interface AuthOptions {
  jwt: Config['jwt'];
  authFailuresPerMinute: number;
  /** Where failed authentications are written, as security events. */
  securityLog: Logger;
  /** The session a session token belongs to, when the token is genuine and its session usable. */
  authenticateSessionToken(token: string): Promise<{ id: string; userId: string } | null>;
}

/** Who may call: service JWTs for the service routes, session tokens for /v1/me. */
export const authPlugin = fp(async function auth(app: FastifyInstance, options: AuthOptions) {
  const failures = createAuthFailures({ perMinute: options.authFailuresPerMinute, logger: options.securityLog });
  app.decorateRequest('caller', null as never);
  app.decorate('requireScope', await registerServiceTokens(app, options.jwt, failures));
  app.decorate('requireSessionToken', async function sessionAuth(request: FastifyRequest, reply: FastifyReply) {
    const token = bearer(request);
    if (!token) throw failures.failed(request, reply, 'session', 'missing', 'Send the session token as "Authorization: Bearer <token>".');
    if (!looksLikeSessionToken(token)) throw failures.failed(request, reply, 'session', 'service token on a /v1/me route', 'This route takes a session token, not a service token.');
    const session = await options.authenticateSessionToken(token);
    if (!session) throw failures.failed(request, reply, 'session', 'unknown or ended session', 'The session token is invalid or its session has ended.');
    request.caller = { kind: 'user', userId: session.userId, sessionId: session.id };
  });
});
