import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Caller } from '../auth/caller.js';
import { canonicalIp } from '../enrich/ip.js';
import { SESSION_SECURITY, emptyBodyAsObject, ok, problems } from '../http/route-schemas.js';
import type { SessionOperations } from './operations.js';
import { EventPage, EventsQuery, HeartbeatBody, HeartbeatResult, ListQuery, RevokeResult, SessionIdParams, SessionPage, SessionSchema } from './schemas.js';

/** A rate-limit key per presented token (hashed: the key is kept in memory), or per address without one. */
export function bearerKey(request: FastifyRequest): string {
  const header = request.headers.authorization;
  return typeof header === 'string' ? createHash('sha256').update(header).digest('base64url') : `ip:${request.ip}`;
}

/** Routes for the signed-in user, authenticated by the session token; a user sees only their own. */
export async function meRoutes(appBase: FastifyInstance, options: { operations: SessionOperations }) {
  const app = appBase.withTypeProvider<TypeBoxTypeProvider>();
  const { activity, queries, revocation } = options.operations;
  app.addHook('preHandler', app.requireSessionToken);
  // Each user session gets its own budget; the limit is RATE_LIMIT_PER_MINUTE per session token.
  const limited = { rateLimit: { keyGenerator: (request: FastifyRequest) => bearerKey(request) } };
  const tags = ['me'];
  const user = (caller: Caller) => {
    if (caller.kind !== 'user') throw new Error('session-token route reached without a session caller');
    return caller;
  };

  app.get('/v1/me/sessions', {
    config: limited,
    schema: {
      operationId: 'listMySessions',
      summary: 'List my sessions',
      description: 'The caller\'s sessions; the one making the request has `current: true`. Same order and paging as the service list.',
      tags,
      security: SESSION_SECURITY,
      querystring: ListQuery,
      response: { 200: ok(SessionPage, 'A page of sessions'), ...problems('validation_failed', 'unauthorized', 'rate_limited') },
    },
  }, async (request) => {
    const caller = user(request.caller);
    return queries.list(caller.userId, { ...request.query, currentId: caller.sessionId });
  });

  app.get('/v1/me/sessions/:id', {
    config: limited,
    schema: {
      operationId: 'getMySession',
      summary: 'Get one of my sessions',
      description: "Another user's session is 404, exactly as a missing one.",
      tags,
      security: SESSION_SECURITY,
      params: SessionIdParams,
      response: { 200: ok(Type.Ref(SessionSchema), 'The session'), ...problems('validation_failed', 'unauthorized', 'session_not_found', 'rate_limited') },
    },
  }, async (request) => queries.view(request.params.id, request.caller));

  app.get('/v1/me/sessions/:id/events', {
    config: limited,
    schema: {
      operationId: 'listMySessionEvents',
      summary: 'List what happened in one of my sessions',
      description: 'Newest first; owner only.',
      tags,
      security: SESSION_SECURITY,
      params: SessionIdParams,
      querystring: EventsQuery,
      response: { 200: ok(EventPage, 'A page of events'), ...problems('validation_failed', 'unauthorized', 'session_not_found', 'rate_limited') },
    },
  }, async (request) => queries.events(request.params.id, request.caller, request.query.limit, request.query.cursor));

  app.delete('/v1/me/sessions/:id', {
    config: limited,
    schema: {
      operationId: 'endMySession',
      summary: 'End one of my other sessions',
      description: 'Signs out another device. The current session cannot be ended here (409 cannot_revoke_current): use logout.',
      tags,
      security: SESSION_SECURITY,
      params: SessionIdParams,
      response: { 200: ok(Type.Ref(SessionSchema), 'The ended session'), ...problems('validation_failed', 'unauthorized', 'session_not_found', 'cannot_revoke_current', 'rate_limited') },
    },
  }, async (request) => revocation.end(request.params.id, request.caller, 'revoked_by_user'));

  app.post('/v1/me/sessions/revoke-others', {
    config: limited,
    schema: {
      operationId: 'endMyOtherSessions',
      summary: 'Sign out everywhere else',
      description: 'Ends every active session of the caller except the current one.',
      tags,
      security: SESSION_SECURITY,
      response: { 200: ok(RevokeResult, 'How many sessions were ended, and which'), ...problems('unauthorized', 'rate_limited') },
    },
  }, async (request) => {
    const caller = user(request.caller);
    return revocation.endAllForUser(caller.userId, caller.sessionId, 'revoked_by_user', caller);
  });

  app.post('/v1/me/heartbeat', {
    config: limited,
    preValidation: emptyBodyAsObject,
    schema: {
      operationId: 'heartbeatMySession',
      summary: 'Record activity on my session',
      description: 'As the service heartbeat, for the session of the token. The address, when not given, is the caller\'s (X-Forwarded-For only from trusted proxies).',
      tags,
      security: SESSION_SECURITY,
      body: HeartbeatBody,
      response: { 200: ok(HeartbeatResult, 'The session is active'), ...problems('validation_failed', 'unauthorized', 'session_ended', 'rate_limited') },
    },
  }, async (request) => {
    const caller = user(request.caller);
    // A trusted proxy may still forward an address that is not one; then the address is left as it was.
    return activity.heartbeat(caller.sessionId, caller, { ...request.body, ip: request.body.ip ?? canonicalIp(request.ip) ?? undefined });
  });

  app.post('/v1/me/logout', {
    config: limited,
    schema: {
      operationId: 'logout',
      summary: 'Log out',
      description: 'Ends the current session with endReason "logout"; its token is refused from then on.',
      tags,
      security: SESSION_SECURITY,
      response: { 200: ok(Type.Ref(SessionSchema), 'The ended session'), ...problems('unauthorized', 'rate_limited') },
    },
  }, async (request) => {
    const caller = user(request.caller);
    return revocation.end(caller.sessionId, caller, 'logout');
  });
}
