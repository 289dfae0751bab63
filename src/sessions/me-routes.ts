import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Caller } from '../auth/caller.js';
import { canonicalIp } from '../enrich/ip.js';
import { CLIENT_HINT_NAMES } from '../enrich/user-agent/client-hints.js';
import { sanitizeClientHints, sanitizeUserAgent } from '../enrich/user-agent/index.js';
import type { createRateLimit } from '../http/rate-limit.js';
import { SESSION_SECURITY, emptyBodyAsObject, ok, problems } from '../http/route-schemas.js';
import type { Observed, RequestObservation } from './activity.js';
import type { SessionOperations } from './operations.js';
import {
  EventPage,
  EventsQuery,
  HeartbeatResult,
  ListQuery,
  MeHeartbeatBody,
  RevokeResult,
  SessionIdParams,
  SessionPage,
  SessionSchema,
} from './schemas.js';

/**
 * Where the user's request came from, as the request says it: the address through TRUST_PROXY, the
 * device from the User-Agent and Sec-CH-UA-* headers. A session token holder cannot choose them.
 */
function observedFrom(request: FastifyRequest): RequestObservation {
  const userAgent = request.headers['user-agent'];
  const rawUserAgent = typeof userAgent === 'string' ? userAgent : null;
  return {
    rawIp: request.ip,
    rawUserAgent,
    clean(): Observed {
      const hints: Record<string, string> = {};
      for (const name of CLIENT_HINT_NAMES) {
        const value = request.headers[name];
        if (typeof value === 'string') hints[name] = value;
      }
      return {
        // A trusted proxy may still forward something that is not an address: then it is left as it was.
        ip: canonicalIp(request.ip),
        userAgent: rawUserAgent === null ? null : sanitizeUserAgent(rawUserAgent),
        clientHints: sanitizeClientHints(hints),
      };
    },
  };
}

/** The rate-limit budget belongs to the session (authentication has run: the caller is known). */
export const sessionKey = (request: FastifyRequest): string =>
  request.caller?.kind === 'user' ? request.caller.sessionId : `ip:${request.ip}`;

/**
 * Every /v1/me route: the session token is checked before the body is read (an unauthenticated
 * caller learns nothing from validation), then each session spends its own budget
 * (RATE_LIMIT_PER_MINUTE).
 */
export function guardSessionTokenRoutes(app: FastifyInstance, rateLimit: ReturnType<typeof createRateLimit>): void {
  app.addHook('onRequest', app.requireSessionToken);
  app.addHook('preHandler', rateLimit(sessionKey));
}

/** The caller of a route behind guardSessionTokenRoutes: always a session. */
export function user(caller: Caller): Extract<Caller, { kind: 'user' }> {
  if (caller.kind !== 'user') throw new Error('session-token route reached without a session caller');
  return caller;
}

/** Routes for the signed-in user, authenticated by the session token; a user sees only their own. */
export async function meRoutes(
  appBase: FastifyInstance,
  options: { operations: SessionOperations; rateLimit: ReturnType<typeof createRateLimit> },
) {
  const app = appBase.withTypeProvider<TypeBoxTypeProvider>();
  const { activity, queries, revocation } = options.operations;
  guardSessionTokenRoutes(app, options.rateLimit);
  const tags = ['me'];

  app.get(
    '/v1/me/sessions',
    {
      schema: {
        operationId: 'listMySessions',
        summary: 'List my sessions',
        description:
          "The caller's sessions; the one making the request has `current: true`. Same order and paging as the service list; the backend's metadata is not shown.",
        tags,
        security: SESSION_SECURITY,
        querystring: ListQuery,
        response: { 200: ok(SessionPage, 'A page of sessions'), ...problems('validation_failed', 'unauthorized', 'rate_limited') },
      },
    },
    async (request) => {
      const caller = user(request.caller);
      return queries.list(caller.userId, { ...request.query, currentId: caller.sessionId });
    },
  );

  app.get(
    '/v1/me/sessions/:id',
    {
      schema: {
        operationId: 'getMySession',
        summary: 'Get one of my sessions',
        description: "Another user's session is 404, exactly as a missing one.",
        tags,
        security: SESSION_SECURITY,
        params: SessionIdParams,
        response: {
          200: ok(Type.Ref(SessionSchema), 'The session'),
          ...problems('validation_failed', 'unauthorized', 'session_not_found', 'rate_limited'),
        },
      },
    },
    async (request) => queries.view(request.params.id, request.caller),
  );

  app.get(
    '/v1/me/sessions/:id/events',
    {
      schema: {
        operationId: 'listMySessionEvents',
        summary: 'List what happened in one of my sessions',
        description: 'Newest first; owner only.',
        tags,
        security: SESSION_SECURITY,
        params: SessionIdParams,
        querystring: EventsQuery,
        response: {
          200: ok(EventPage, 'A page of events'),
          ...problems('validation_failed', 'unauthorized', 'session_not_found', 'rate_limited'),
        },
      },
    },
    async (request) => queries.events(request.params.id, request.caller, request.query.limit, request.query.cursor),
  );

  app.delete(
    '/v1/me/sessions/:id',
    {
      schema: {
        operationId: 'endMySession',
        summary: 'End one of my other sessions',
        description:
          'Signs out another device. The current session cannot be ended here (409 cannot_revoke_current): use logout. ' +
          'A flagged, unreviewed session younger than SESSION_TRUST_AFTER cannot end others (403 session_not_yet_trusted, with trustedFrom).',
        tags,
        security: SESSION_SECURITY,
        params: SessionIdParams,
        response: {
          200: ok(Type.Ref(SessionSchema), 'The ended session'),
          ...problems(
            'validation_failed',
            'unauthorized',
            'session_not_found',
            'cannot_revoke_current',
            'session_not_yet_trusted',
            'rate_limited',
          ),
        },
      },
    },
    async (request) => revocation.end(request.params.id, request.caller, 'revoked_by_user'),
  );

  app.post(
    '/v1/me/sessions/revoke-others',
    {
      schema: {
        operationId: 'endMyOtherSessions',
        summary: 'Sign out everywhere else',
        description:
          'Ends every active session of the caller except the current one. A flagged, unreviewed session younger than SESSION_TRUST_AFTER cannot (403 session_not_yet_trusted, with trustedFrom).',
        tags,
        security: SESSION_SECURITY,
        response: {
          200: ok(RevokeResult, 'How many sessions were ended, and which'),
          ...problems('unauthorized', 'session_not_yet_trusted', 'rate_limited'),
        },
      },
    },
    async (request) => {
      const caller = user(request.caller);
      return revocation.endAllForUser(caller.userId, caller.sessionId, 'revoked_by_user', caller);
    },
  );

  app.post(
    '/v1/me/heartbeat',
    {
      preValidation: emptyBodyAsObject,
      schema: {
        operationId: 'heartbeatMySession',
        summary: 'Record activity on my session',
        description:
          "As the service heartbeat, for the session of the token. The address is the request's (X-Forwarded-For only from trusted proxies, TRUST_PROXY) and the device comes from its User-Agent and Sec-CH-UA-* headers; the body cannot set them. At most 10 page views per heartbeat.",
        tags,
        security: SESSION_SECURITY,
        body: MeHeartbeatBody,
        response: {
          200: ok(HeartbeatResult, 'The session is active'),
          ...problems('validation_failed', 'unauthorized', 'session_ended', 'rate_limited'),
        },
      },
    },
    (request) => {
      const caller = user(request.caller);
      return activity.heartbeatAsRequested(caller.sessionId, caller, request.body.pageViews, observedFrom(request));
    },
  );

  app.post(
    '/v1/me/logout',
    {
      schema: {
        operationId: 'logout',
        summary: 'Log out',
        description: 'Ends the current session with endReason "logout"; its token is refused from then on.',
        tags,
        security: SESSION_SECURITY,
        response: { 200: ok(Type.Ref(SessionSchema), 'The ended session'), ...problems('unauthorized', 'rate_limited') },
      },
    },
    async (request) => {
      const caller = user(request.caller);
      return revocation.end(caller.sessionId, caller, 'logout');
    },
  );
}
