import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { bearer } from './bearer.js';
import type { Caller } from './caller.js';
import type { Clock } from '../clock.js';
import { createAuthFailures } from './failures.js';
import { registerServiceTokens, type Scope } from './service-tokens.js';
import { looksLikeSessionToken } from './session-tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller;
  }
  interface FastifyInstance {
    /** An onRequest hook that admits service JWTs carrying every scope given. */
    requireScope(...scopes: Scope[]): onRequestHookHandler;
    /** An onRequest hook that admits session tokens of usable sessions. */
    requireSessionToken: onRequestHookHandler;
  }
}

export interface AuthOptions {
  jwt: Config['jwt'];
  authFailuresPerMinute: number;
  /** Where failed authentications are written, as security events. */
  securityLog: Logger;
  clock: Clock;
  /** The session a session token belongs to, when the token is genuine and its session usable. */
  authenticateSessionToken(token: string): Promise<{ id: string; userId: string } | null>;
  /** The same from memory alone: undefined when only the database can tell. */
  authenticateSessionTokenFromMemory(token: string): { id: string; userId: string } | null | undefined;
}

/** Who may call: service JWTs for the service routes, session tokens for /v1/me. */
export const authPlugin = fp(async function auth(app: FastifyInstance, options: AuthOptions) {
  const failures = createAuthFailures({ perMinute: options.authFailuresPerMinute, logger: options.securityLog, clock: options.clock });
  app.decorateRequest('caller', null as never);
  app.decorate('requireScope', await registerServiceTokens(app, options.jwt, failures));
  const refused = (request: FastifyRequest, reply: FastifyReply) =>
    failures.failed(request, reply, 'session', 'unknown or ended session', 'The session token is invalid or its session has ended.');
  // Callback-style: a session held in memory is admitted synchronously, with no promise.
  app.decorate('requireSessionToken', function sessionAuth(request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) {
    const token = bearer(request);
    if (!token)
      return done(failures.failed(request, reply, 'session', 'missing', 'Send the session token as "Authorization: Bearer <token>".'));
    if (!looksLikeSessionToken(token))
      return done(
        failures.failed(
          request,
          reply,
          'session',
          'service token on a /v1/me route',
          'This route takes a session token, not a service token.',
        ),
      );
    const known = options.authenticateSessionTokenFromMemory(token);
    if (known === null) return done(refused(request, reply));
    if (known !== undefined) {
      request.caller = { kind: 'user', userId: known.userId, sessionId: known.id };
      return done();
    }
    options.authenticateSessionToken(token).then(
      (session) => {
        if (!session) return done(refused(request, reply));
        request.caller = { kind: 'user', userId: session.userId, sessionId: session.id };
        done();
      },
      (error: Error) => done(error),
    );
  });
});
