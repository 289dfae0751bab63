import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler, preHandlerHookHandler } from 'fastify';
import type { Config } from '../config.js';
import { bearer, unauthorized } from './bearer.js';
import type { Caller } from './caller.js';
import { createAuthFailures } from './failures.js';
import { registerServiceTokens, type Scope } from './service-tokens.js';
import { looksLikeSessionToken } from './session-tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller;
  }
  interface FastifyInstance {
    /** A preHandler that admits service JWTs carrying `scope`. */
    requireScope(scope: Scope): preHandlerHookHandler;
    /** A preHandler that admits session tokens of usable sessions. */
    requireSessionToken: preHandlerAsyncHookHandler;
  }
}

export interface AuthOptions {
  jwt: Config['jwt'];
  authFailuresPerMinute: number;
  /** The session a session token belongs to, when the token is genuine and its session usable. */
  authenticateSessionToken(token: string): Promise<{ id: string; userId: string } | null>;
}

/** Who may call: service JWTs for the service routes, session tokens for /v1/me. */
export const authPlugin = fp(async function auth(app: FastifyInstance, options: AuthOptions) {
  const failures = createAuthFailures(options.authFailuresPerMinute);
  app.decorateRequest('caller', null as never);
  app.decorate('requireScope', await registerServiceTokens(app, options.jwt, failures));
  app.decorate('requireSessionToken', async function sessionAuth(request: FastifyRequest, reply: FastifyReply) {
    failures.refuseIfBlocked(request);
    const token = bearer(request);
    if (!token) throw unauthorized(reply, failures, 'Send the session token as "Authorization: Bearer <token>".');
    if (!looksLikeSessionToken(token)) throw unauthorized(reply, failures, 'This route takes a session token, not a service token.');
    const session = await options.authenticateSessionToken(token);
    if (!session) throw unauthorized(reply, failures, 'The session token is invalid or its session has ended.');
    request.caller = { kind: 'user', userId: session.userId, sessionId: session.id };
  });
});
