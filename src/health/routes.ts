import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { epochMs, type Clock } from '../clock.js';
import type { GeoUpdater } from '../enrich/geo/index.js';
import type { GeoLookup } from '../enrich/types.js';
import { parserProblems } from '../http/route-schemas.js';
import { Nullable } from '../typebox.js';

const NullableString = Nullable(Type.String());
const GeoData = Type.Object({
  database: Type.String({ description: 'city or asn' }),
  file: Type.String(),
  layout: NullableString,
  databaseType: NullableString,
  builtAt: NullableString,
  ageDays: Nullable(Type.Integer({ description: 'Whole days since the data was built.' })),
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
      revocationFeed: Type.String({
        description:
          'ok (every end heard), from_memory (the listener is lost or catching up; cached sessions answered for the grace left), catching_up (reading the ends of the gap), reconnecting (lost past the grace: the database answers)',
      }),
      listener: Type.Optional(Type.String({ description: 'connected or reconnecting: the LISTEN connection' })),
      revocationFeedGraceLeftSeconds: Type.Optional(
        Nullable(Type.Integer({ description: 'While from_memory: seconds until cached sessions are no longer answered from memory.' })),
      ),
      geo: Type.String(),
      geoError: Type.Optional(Type.Union([Type.String(), Type.Null()])),
      geoData: Type.Optional(Type.Array(GeoData)),
      geoUpdates: Type.Optional(Type.Array(GeoUpdate)),
    }),
  ),
});

export interface HealthOptions {
  /** Resolves when the database answers. */
  ping(): Promise<void>;
  geo: GeoLookup;
  /** The MaxMind update checks, when they are configured. */
  geoUpdates: (() => ReturnType<GeoUpdater['status']>) | null;
  /** Whether this instance hears every revocation, and how it answers while it does not. */
  feedStatus(): { mode: string; listenerConnected: boolean; graceLeftSeconds: number | null };
  clock: Clock;
}

/** Liveness and readiness. */
export async function healthRoutes(app: FastifyInstance, options: HealthOptions) {
  const tags = ['operations'];
  app.get(
    '/healthz',
    {
      logLevel: 'warn',
      schema: {
        operationId: 'liveness',
        summary: 'Liveness',
        description: 'The process is up.',
        tags,
        response: { 200: Health, ...parserProblems() },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      logLevel: 'warn',
      schema: {
        operationId: 'readiness',
        summary: 'Readiness',
        description:
          'Ready when the database answers. Reports the LISTEN connection and the revocation feed (while it is lost, whether cached sessions are still answered from memory and for how long) and the GeoIP database ("degraded" when no City database could be loaded; the service still serves), the build date and age of each GeoIP data set, and the MaxMind update checks when they are configured.',
        tags,
        response: { 200: Health, 503: Health, ...parserProblems() },
      },
    },
    async (_request, reply) => {
      let database = 'ok';
      try {
        await options.ping();
      } catch {
        database = 'unavailable';
      }
      const geo = options.geo.status();
      const feed = options.feedStatus();
      const checks = {
        database,
        revocationFeed: feed.mode,
        listener: feed.listenerConnected ? 'connected' : 'reconnecting',
        revocationFeedGraceLeftSeconds: feed.graceLeftSeconds,
        geo: geo.state,
        geoError: geo.error,
        geoData: geo.databases.map(({ buildEpoch, ...d }) => ({
          ...d,
          builtAt: buildEpoch,
          ageDays: ageDays(buildEpoch, epochMs(options.clock)),
        })),
        ...(options.geoUpdates ? { geoUpdates: options.geoUpdates() } : {}),
      };
      return reply.code(database === 'ok' ? 200 : 503).send({ status: database === 'ok' ? 'ready' : 'unavailable', checks });
    },
  );
}

function ageDays(builtAt: string | null, now: number): number | null {
  const at = builtAt === null ? Number.NaN : Date.parse(builtAt);
  return Number.isNaN(at) ? null : Math.max(0, Math.floor((now - at) / 86_400_000));
}
