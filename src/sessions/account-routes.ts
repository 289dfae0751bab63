import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { createRateLimit } from '../http/rate-limit.js';
import { SESSION_SECURITY, ok, problems } from '../http/route-schemas.js';
import { ExportDocument, RenameBody } from './control-schemas.js';
import { guardSessionTokenRoutes, user } from './me-routes.js';
import type { SessionOperations } from './operations.js';
import { SessionIdParams, SessionSchema } from './schemas.js';

/** The account controls of the signed-in user (session token): "Was this you?", device names, export. */
export async function accountRoutes(
  appBase: FastifyInstance,
  options: { operations: SessionOperations; rateLimit: ReturnType<typeof createRateLimit> },
) {
  const app = appBase.withTypeProvider<TypeBoxTypeProvider>();
  const { review, details, exportUser } = options.operations;
  guardSessionTokenRoutes(app, options.rateLimit);
  const tags = ['me'];
  const OWN = ['validation_failed', 'unauthorized', 'session_not_found', 'rate_limited'] as const;

  app.post(
    '/v1/me/sessions/:id/confirm',
    {
      schema: {
        operationId: 'confirmMySession',
        summary: '"Yes, it was me"',
        description:
          'Confirms one of the caller\'s sessions: review.state becomes "confirmed", and its device and country count as known, so later sign-ins from them are not flagged new_device or new_country. ' +
          'A flagged, unreviewed session cannot confirm itself (403 confirm_from_another_device): the answer must come from another device, or from the service. ' +
          'A flagged, unreviewed session younger than SESSION_TRUST_AFTER (24 h by default) cannot confirm others (403 session_not_yet_trusted, with trustedFrom). ' +
          "A reported session stays reported (409 report_is_final). Another user's session is 404.",
        tags,
        security: SESSION_SECURITY,
        params: SessionIdParams,
        response: {
          200: ok(Type.Ref(SessionSchema), 'The confirmed session'),
          ...problems(...OWN, 'confirm_from_another_device', 'session_not_yet_trusted', 'report_is_final'),
        },
      },
    },
    async (request) => review(request.params.id, 'confirmed', request.caller),
  );

  app.post(
    '/v1/me/sessions/:id/report',
    {
      schema: {
        operationId: 'reportMySession',
        summary: '"This wasn\'t me"',
        description:
          'Reports one of the caller\'s sessions: it ends at once on every instance (endReason "reported_by_user"), review.state becomes "reported", and its device and place are not learned as the user\'s. ' +
          "A report is final for the user: only the service can change it. The current session is 409 cannot_revoke_current; a flagged, unreviewed caller younger than SESSION_TRUST_AFTER is 403 session_not_yet_trusted; another user's session is 404.",
        tags,
        security: SESSION_SECURITY,
        params: SessionIdParams,
        response: {
          200: ok(Type.Ref(SessionSchema), 'The reported session'),
          ...problems(...OWN, 'cannot_revoke_current', 'session_not_yet_trusted'),
        },
      },
    },
    async (request) => review(request.params.id, 'reported', request.caller),
  );

  app.patch(
    '/v1/me/sessions/:id',
    {
      schema: {
        operationId: 'nameMySession',
        summary: 'Name one of my devices',
        description:
          '`{ "name": "Work laptop" }` names the device, shown beside its derived label; `null` clears it. At most 64 characters once trimmed, at least one visible; no control characters and no format characters (bidi controls, zero-width characters). Another user\'s session is 404.',
        tags,
        security: SESSION_SECURITY,
        params: SessionIdParams,
        body: RenameBody,
        response: { 200: ok(Type.Ref(SessionSchema), 'The named session'), ...problems(...OWN) },
      },
    },
    async (request) => details(request.params.id, request.caller, { name: request.body.name }),
  );

  app.get(
    '/v1/me/export',
    {
      schema: {
        operationId: 'exportMyData',
        summary: 'Export my data',
        description:
          "Every session (active and ended) and every event of the caller as one JSON document, streamed; the current session has `current: true`. Sessions are shown as on /v1/me: without the backend's metadata.",
        tags,
        security: SESSION_SECURITY,
        response: { 200: ok(ExportDocument, "The caller's data"), ...problems('unauthorized', 'rate_limited') },
      },
    },
    async (request, reply) => {
      const caller = user(request.caller);
      const stream = await exportUser(caller.userId, caller.sessionId);
      // A stream is sent as it is, never serialised: the schema documents what it carries.
      return reply.type('application/json; charset=utf-8').send(stream as never);
    },
  );
}
