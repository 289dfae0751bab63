import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { GeoLookup } from '../enrich/types.js';
import { sendProblem } from '../errors.js';
import type { Metrics } from './metrics.js';
import type { EndedListener } from '../sessions/ended-listener.js';

const Health = Type.Object({
  status: Type.String(),
  checks: Type.Optional(
    Type.Object({
      database: Type.String(),
      revocationFeed: Type.String(),
      geo: Type.String(),
      geoError: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    }),
  ),
});

export async function healthRoutes(
  app: FastifyInstance,
  options: { db: Kysely<any>; geo: GeoLookup; metrics: Metrics; listener: EndedListener; metricsToken: string | null },
) {
  const tags = ['operations'];
  app.get('/healthz', {
    logLevel: 'warn',
    schema: { operationId: 'liveness', summary: 'Liveness', description: 'The process is up.', tags, response: { 200: Health } },
  }, async () => ({ status: 'ok' }));

  app.get('/readyz', {
    logLevel: 'warn',
    schema: {
      operationId: 'readiness',
      summary: 'Readiness',
      description: 'Ready when the database answers. Reports the revocation feed and the GeoIP database ("degraded" when no City database could be loaded; the service still serves).',
      tags,
      response: { 200: Health, 503: Health },
    },
  }, async (_request, reply) => {
    let database = 'ok';
    try {
      await sql`select 1`.execute(options.db);
    } catch {
      database = 'unavailable';
    }
    const geo = options.geo.status();
    const checks = {
      database,
      revocationFeed: options.listener.trusted ? 'ok' : 'reconnecting',
      geo: geo.state,
      geoError: geo.error,
    };
    return reply.code(database === 'ok' ? 200 : 503).send({ status: database === 'ok' ? 'ready' : 'unavailable', checks });
  });

  app.get('/metrics', {
    logLevel: 'warn',
    schema: {
      operationId: 'metrics',
      summary: 'Prometheus metrics',
      description: 'Text exposition format. Protected by METRICS_TOKEN (Bearer) when that is set.',
      tags,
      produces: ['text/plain'],
    },
  }, async (request, reply) => {
    if (options.metricsToken && request.headers.authorization !== `Bearer ${options.metricsToken}`) {
      return sendProblem(request, reply, 'unauthorized', 'Send the metrics token as a Bearer token.');
    }
    return reply.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics());
  });
}
