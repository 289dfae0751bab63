import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { serviceSecurity, ok, problems } from '../http/route-schemas.js';
import { DetailsBody, ErasureResult, ExportDocument, ReviewBody } from './control-schemas.js';
import type { SessionOperations } from './operations.js';
import { SessionIdParams, SessionSchema, UserIdParams } from './schemas.js';

const AUTH = ['unauthorized', 'forbidden', 'rate_limited'] as const;

/** Account controls for backends and operators (service JWT): reviews, names, erasure and export. */
export async function controlRoutes(appBase: FastifyInstance, options: { operations: SessionOperations }) {
  const app = appBase.withTypeProvider<TypeBoxTypeProvider>();
  const { review, details, erasure, exportUser } = options.operations;
  const write = app.requireScope('sessions:write');
  // Acting for a user, erasing or exporting any user: operators only (sessions:admin).
  const admin = app.requireScope('sessions:admin');
  const tags = ['sessions'];

  app.post(
    '/v1/sessions/:id/review',
    {
      onRequest: admin,
      schema: {
        operationId: 'reviewSession',
        summary: 'Answer "Was this you?" for the user',
        description:
          'Records the user\'s answer about a session, for backends that ask it in their own pages (after a step-up of their own, such as an e-mail link, when the session is flagged). "confirmed": its device and country count as known for later risk signals. "reported": the session ends at once on every instance (endReason "reported_by_user"); an ended one keeps its end. Unlike the user, the service may replace any answer, a report included. Each change is recorded as a `reviewed` event whose actor is the service; the same answer again changes nothing.',
        tags,
        security: serviceSecurity('sessions:admin'),
        params: SessionIdParams,
        body: ReviewBody,
        response: {
          200: ok(Type.Ref(SessionSchema), 'The session with its review'),
          ...problems('validation_failed', ...AUTH, 'session_not_found'),
        },
      },
    },
    async (request) => review(request.params.id, request.body.state, request.caller),
  );

  app.patch(
    '/v1/sessions/:id',
    {
      onRequest: write,
      schema: {
        operationId: 'updateSession',
        summary: 'Name a session, or replace its metadata',
        description:
          '`name` is what the user calls the device, shown beside the derived label (null clears it). `metadata` replaces the object given at login, under the same limits. Active and ended sessions alike.',
        tags,
        security: serviceSecurity('sessions:write'),
        params: SessionIdParams,
        body: DetailsBody,
        response: {
          200: ok(Type.Ref(SessionSchema), 'The session as changed'),
          ...problems('validation_failed', ...AUTH, 'session_not_found'),
        },
      },
    },
    async (request) => details(request.params.id, request.caller, request.body),
  );

  app.delete(
    '/v1/users/:userId',
    {
      onRequest: admin,
      schema: {
        operationId: 'eraseUser',
        summary: "Erase a user's data",
        description:
          'Ends the user\'s active sessions (endReason "erased", refused on every instance at once), then deletes every session and every event of the user. Afterwards nothing stored names the user, their addresses or their user agents. Idempotent: again, it erases nothing and answers zeros. Stop logins for the user before calling it: a login after it begins is stored anew.',
        tags,
        security: serviceSecurity('sessions:admin'),
        params: UserIdParams,
        response: { 200: ok(ErasureResult, 'What was deleted'), ...problems('validation_failed', ...AUTH) },
      },
    },
    async (request) => erasure(request.params.userId, request.caller),
  );

  app.get(
    '/v1/users/:userId/export',
    {
      onRequest: admin,
      schema: {
        operationId: 'exportUser',
        summary: "Export a user's data",
        description:
          'Every session (active and ended) and every event of the user as one JSON document, streamed as it is read: a user with a hundred thousand sessions costs the service one batch of memory.',
        tags,
        security: serviceSecurity('sessions:admin'),
        params: UserIdParams,
        response: { 200: ok(ExportDocument, "The user's data"), ...problems('validation_failed', ...AUTH) },
      },
    },
    async (request, reply) => {
      const stream = await exportUser(request.params.userId);
      // A stream is sent as it is, never serialised: the schema documents what it carries.
      return reply.type('application/json; charset=utf-8').send(stream as never);
    },
  );
}
