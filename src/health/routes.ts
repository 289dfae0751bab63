import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { GeoUpdater } from '../enrich/geo/index.js';
import type { GeoLookup } from '../enrich/types.js';
import { sendProblem } from '../errors.js';
import type { Metrics } from './metrics.js';
import type { EndedListener } from '../sessions/ended-listener.js';

const NullableString = Type.Union([Type.String(), Type.Null()]);
const GeoData = Type.Object({
  database: Type.String({ description: 'city or asn' }),
  file: Type.String(),
  layout: NullableString,
  databaseType: NullableString,
  builtAt: NullableString,
  ageDays: Type.Union([Type.Integer(), Type.Null()], { description: 'Whole days since the data was built.' }),
  inUse: Type.Boolean(),
  error: NullableString,
});
const GeoUpdate = Type.Object({
  database: Type.String(),
  edition: Type.String(),
  release: NullableString,
  lastCheckAt: NullableString,
  lastUpdateAt: NullableString,
  nextCheckAt: NullableString,
  lastError: NullableString,
});

const Health = Type.Object({
  status: Type.String(),
  checks: Type.Optional(
    Type.Object({
      database: Type.String(),
      revocationFeed: Type.String(),
      geo: Type.String(),
      geoError: Type.Optional(Type.Union([Type.String(), Type.Null()])),
      geoData: Type.Optional(Type.Array(GeoData)),
      geoUpdates: Type.Optional(Type.Array(GeoUpdate)),
    }),
  ),
});

export async function healthRoutes(
  app: FastifyInstance,
  options: { db: Kysely<any>; geo: GeoLookup; geoUpdater?: GeoUpdater | null; metrics: Metrics; listener: EndedListener; metricsToken: string | null },
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
      description: 'Ready when the database answers. Reports the revocation feed and the GeoIP database ("degraded" when no City database could be loaded; the service still serves), the build date and age of each GeoIP data set, and the MaxMind update checks when they are configured.',
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
      geoData: geo.databases.map(({ buildEpoch, ...d }) => ({ ...d, builtAt: buildEpoch, ageDays: ageDays(buildEpoch) })),
      ...(options.geoUpdater ? { geoUpdates: options.geoUpdater.status() } : {}),
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

function ageDays(builtAt: string | null): number | null {
  const at = builtAt === null ? Number.NaN : Date.parse(builtAt);
  return Number.isNaN(at) ? null : Math.max(0, Math.floor((Date.now() - at) / 86_400_000));
}
