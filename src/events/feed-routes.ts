import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ok, parserProblems, problems, serviceSecurity } from '../http/route-schemas.js';
import { transmitterMetadata } from './caep.js';
import type { Feed } from './feed.js';
import { EventFeedPage, FeedQuery, JwksSchema, SsfConfigurationSchema } from './schemas.js';
import type { SigningKey } from './signing-key.js';

/** The feed (service JWTs with sessions:read) and the public documents receivers of SETs need. */
export async function feedRoutes(appBase: FastifyInstance, options: { feed: Feed; signingKey: SigningKey | null; issuer: string }) {
  const app = appBase.withTypeProvider<TypeBoxTypeProvider>();
  const { feed } = options;

  app.get(
    '/v1/events',
    {
      onRequest: app.requireScope('sessions:read'),
      schema: {
        operationId: 'listEvents',
        summary: 'Read lifecycle events',
        description:
          'The events webhooks carry, oldest first, for those who poll ("everything since my last call"): pass the `nextCursor` of one call as `after` of the next. An event appears once every transaction that began before it has finished, so a cursor never passes an event that shows up later. Events are kept for EVENT_RETENTION (7 days by default).',
        tags: ['events'],
        security: serviceSecurity('sessions:read'),
        querystring: FeedQuery,
        response: {
          200: ok(EventFeedPage, 'A page of events'),
          ...problems('validation_failed', 'unauthorized', 'forbidden', 'rate_limited'),
        },
      },
    },
    async (request) => feed.page(request.query),
  );

  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        operationId: 'getEventsJwks',
        summary: 'The key Security Event Tokens are signed with',
        description: 'A JWK set with the public half of EVENTS_SIGNING_KEY (empty when none is configured).',
        tags: ['events'],
        response: { 200: ok(JwksSchema, 'The JWK set'), ...parserProblems() },
      },
    },
    async () => ({ keys: options.signingKey ? [options.signingKey.jwk] : [] }),
  );

  app.get(
    '/.well-known/ssf-configuration',
    {
      schema: {
        operationId: 'getSsfConfiguration',
        summary: 'Shared Signals transmitter metadata',
        description:
          'Where the signing keys are and how SETs are delivered (push, RFC 8935). Streams are the webhook endpoints created with `format: "caep"`.',
        tags: ['events'],
        response: { 200: ok(SsfConfigurationSchema, 'The transmitter metadata'), ...parserProblems() },
      },
    },
    async () => transmitterMetadata(options.issuer),
  );
}
