import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { sanitizeUserAgent } from '../enrich/user-agent/index.js';
import { bodyIp } from './input.js';
import type { SessionOperations } from './operations.js';
import {
  CreateSessionBody,
  CreatedSession,
  EndQuery,
  EventPage,
  EventsQuery,
  HeartbeatBody,
  HeartbeatResult,
  IntrospectBody,
  IntrospectResult,
  ListQuery,
  RevokeResult,
  RevokeUserBody,
  SessionIdParams,
  SessionPage,
  SessionSchema,
  UserIdParams,
} from './schemas.js';
import { serviceSecurity, emptyBodyAsObject, ok, problems } from '../http/route-schemas.js';

const AUTH = ['unauthorized', 'forbidden', 'rate_limited'] as const;

/** Routes for backends and operators, authenticated by service JWTs. */
export async function serviceRoutes(appBase: FastifyInstance, options: { operations: SessionOperations }) {
  const app = appBase.withTypeProvider<TypeBoxTypeProvider>();
  const { login, activity, queries, revocation, authentication } = options.operations;
  const read = app.requireScope('sessions:read');
  const write = app.requireScope('sessions:write');
  const tags = ['sessions'];

  app.post(
    '/v1/sessions',
    {
      onRequest: write,
      schema: {
        operationId: 'createSession',
        summary: 'Register a login',
        description:
          'Creates a session for a user who has just signed in and returns it with its session token. The token is shown only here; the service keeps its SHA-256 hash. Device, location and risk signals are derived from the IP, User-Agent and client hints.',
        tags,
        security: serviceSecurity('sessions:write'),
        body: CreateSessionBody,
        response: {
          201: ok(CreatedSession, 'The session and its token'),
          ...problems('validation_failed', ...AUTH, 'payload_too_large', 'unsupported_media_type'),
        },
      },
    },
    async (request, reply) => {
      const created = await login(request.body, request.caller);
      return reply.code(201).send(created);
    },
  );

  app.post(
    '/v1/sessions/introspect',
    {
      onRequest: read,
      schema: {
        operationId: 'introspectSessionToken',
        summary: 'Check a session token',
        description:
          'Answers whether a session token is genuine and its session usable now, and returns the session if so. A token of an ended, expired or unknown session gives `{ "active": false }`.',
        tags,
        security: serviceSecurity('sessions:read'),
        body: IntrospectBody,
        response: { 200: ok(IntrospectResult, 'Whether the token is active'), ...problems('validation_failed', ...AUTH) },
      },
    },
    async (request) => authentication.introspect(request.body.token),
  );

  app.get(
    '/v1/sessions/:id',
    {
      onRequest: read,
      schema: {
        operationId: 'getSession',
        summary: 'Get a session',
        description: 'Returns a session, active or ended.',
        tags,
        security: serviceSecurity('sessions:read'),
        params: SessionIdParams,
        response: { 200: ok(Type.Ref(SessionSchema), 'The session'), ...problems('validation_failed', ...AUTH, 'session_not_found') },
      },
    },
    async (request) => queries.view(request.params.id, request.caller),
  );

  app.post(
    '/v1/sessions/:id/heartbeat',
    {
      onRequest: write,
      preValidation: emptyBodyAsObject,
      schema: {
        operationId: 'heartbeatSession',
        summary: 'Record activity',
        description:
          'Marks the session active now and adds page views. Answered from memory and written in batches (at most the flush interval, 1 s by default, behind). A session that has ended, been revoked or expired gives 410 with its endReason.',
        tags,
        security: serviceSecurity('sessions:write'),
        params: SessionIdParams,
        body: HeartbeatBody,
        response: {
          200: ok(HeartbeatResult, 'The session is active'),
          ...problems('validation_failed', ...AUTH, 'session_not_found', 'session_ended'),
        },
      },
    },
    (request) => {
      // Backends are trusted to say where their user is: address and User-Agent come from the body.
      const { ip, userAgent, pageViews } = request.body;
      return activity.heartbeat(request.params.id, request.caller, pageViews, {
        ip: bodyIp(ip, 'ip'),
        userAgent: userAgent === undefined ? null : sanitizeUserAgent(userAgent),
      });
    },
  );

  app.delete(
    '/v1/sessions/:id',
    {
      onRequest: write,
      schema: {
        operationId: 'endSession',
        summary: 'End a session',
        description:
          'Ends (revokes) a session. Takes effect at once on every instance. Idempotent: ending an ended session returns it unchanged, with its original endedAt and endReason.',
        tags,
        security: serviceSecurity('sessions:write'),
        params: SessionIdParams,
        querystring: EndQuery,
        response: { 200: ok(Type.Ref(SessionSchema), 'The ended session'), ...problems('validation_failed', ...AUTH, 'session_not_found') },
      },
    },
    async (request) => revocation.end(request.params.id, request.caller, request.query.reason),
  );

  app.get(
    '/v1/sessions/:id/events',
    {
      onRequest: read,
      schema: {
        operationId: 'listSessionEvents',
        summary: 'List what happened in a session',
        description: 'Login, address and country changes, risk flags raised, and how it ended (and by whom), newest first.',
        tags,
        security: serviceSecurity('sessions:read'),
        params: SessionIdParams,
        querystring: EventsQuery,
        response: { 200: ok(EventPage, 'A page of events'), ...problems('validation_failed', ...AUTH, 'session_not_found') },
      },
    },
    async (request) => queries.events(request.params.id, request.caller, request.query.limit, request.query.cursor),
  );

  app.get(
    '/v1/users/:userId/sessions',
    {
      onRequest: read,
      schema: {
        operationId: 'listUserSessions',
        summary: "List a user's sessions",
        description:
          'Active sessions by lastActiveAt descending; ended ones (history) by endedAt descending; `all` lists active first. Keyset pagination with `nextCursor`.',
        tags,
        security: serviceSecurity('sessions:read'),
        params: UserIdParams,
        querystring: ListQuery,
        response: { 200: ok(SessionPage, 'A page of sessions'), ...problems('validation_failed', ...AUTH) },
      },
    },
    async (request) => queries.list(request.params.userId, request.query),
  );

  app.post(
    '/v1/users/:userId/sessions/revoke',
    {
      onRequest: write,
      preValidation: emptyBodyAsObject,
      schema: {
        operationId: 'revokeUserSessions',
        summary: "End all of a user's sessions",
        description:
          'Ends every active session of the user, except `exceptSessionId` if given (for example after a password change, keeping the session that changed it).',
        tags,
        security: serviceSecurity('sessions:write'),
        params: UserIdParams,
        body: RevokeUserBody,
        response: { 200: ok(RevokeResult, 'How many sessions were ended, and which'), ...problems('validation_failed', ...AUTH) },
      },
    },
    async (request) =>
      revocation.endAllForUser(request.params.userId, request.body.exceptSessionId ?? null, request.body.reason, request.caller),
  );
}
