import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { serviceSecurity, ok, problems } from '../http/route-schemas.js';
import { BulkRevokeBody, BulkRevokeResult, SearchQuery } from './control-schemas.js';
import type { SessionOperations } from './operations.js';
import { SessionPage } from './schemas.js';

const AUTH = ['unauthorized', 'forbidden', 'rate_limited'] as const;

/** Incident search and bulk revoke across users, for operators (service JWT). */
export async function incidentRoutes(appBase: FastifyInstance, options: { operations: SessionOperations }) {
  const app = appBase.withTypeProvider<TypeBoxTypeProvider>();
  const { incidents } = options.operations;
  const tags = ['sessions'];

  app.get(
    '/v1/sessions',
    {
      onRequest: app.requireScope('sessions:admin'),
      schema: {
        operationId: 'searchSessions',
        summary: 'Find sessions across users',
        description:
          '"Who signed in from this address?" (operators only: sessions:admin): sessions of every user that match all the filters given (at least one of ip, network, countryCode, flag, createdAfter, createdBefore; ip and network exclude each other), newest login first, with keyset pagination (`nextCursor`). `status` narrows to active or ended sessions.',
        tags,
        security: serviceSecurity('sessions:admin'),
        querystring: SearchQuery,
        response: {
          200: ok(SessionPage, 'A page of matching sessions'),
          ...problems('validation_failed', 'unauthorized', 'forbidden', 'rate_limited'),
        },
      },
    },
    async (request) => incidents.search(request.query),
  );

  app.post(
    '/v1/sessions/revoke',
    {
      onRequest: app.requireScope('sessions:admin'),
      schema: {
        operationId: 'revokeMatchingSessions',
        summary: 'End every session that matches a filter',
        description:
          'Two steps. A call without `expectedCount` is a dry run: it answers how many active sessions, of any user, match the filter (as in the search) and ends none. Sent again with `expectedCount` set to that count, it ends them with the given reason — unless more match by then (409 more_sessions_match with the current count in `matched`; nothing ends), and never more than `expectedCount`. A filter that matches everyone by construction (none, a time range alone, a /0 network) is refused unless `allUsers: true`. Ends run in batches that each commit on their own, so that a hundred thousand matches neither time out nor hold a long lock; every instance refuses the sessions as each batch commits. Sessions that sign in while it runs are left alone. Operators only (sessions:admin).',
        tags,
        security: serviceSecurity('sessions:admin'),
        body: BulkRevokeBody,
        response: {
          200: ok(BulkRevokeResult, 'How many matched, and how many were ended'),
          ...problems('validation_failed', ...AUTH, 'more_sessions_match'),
        },
      },
    },
    async (request) => incidents.revoke(request.body, request.caller),
  );
}
