import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { GeoStatus } from '../enrich/types.js';
import { createHotCounter, createRequestMetrics } from './request-metrics.js';

// One registry per app instance, so two instances in one process (tests) do not collide.
export function createMetrics(probes: { cacheSize(): number; feedUp(): boolean; geo?(): GeoStatus }) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'session_registry_' });
  const requests = createRequestMetrics(registry);
  const ended = new Counter({
    name: 'session_registry_sessions_ended_total',
    help: 'Sessions ended, by reason.',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  return {
    registry,
    /** Counts and times one request (every request: kept cheap). */
    recordRequest: requests.record,
    sessionsCreated: new Counter({ name: 'session_registry_sessions_created_total', help: 'Sessions created.', registers: [registry] }),
    heartbeats: createHotCounter(registry, 'session_registry_heartbeats_total', 'Heartbeats accepted.'),
    flushes: new Counter({
      name: 'session_registry_activity_flushes_total',
      help: 'Activity batches written, by outcome.',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    cacheSize: new Gauge({
      name: 'session_registry_state_cache_entries',
      help: 'Sessions held in the in-process state cache.',
      registers: [registry],
      collect() {
        this.set(probes.cacheSize());
      },
    }),
    feedUp: new Gauge({
      name: 'session_registry_revocation_feed_up',
      help: '1 while the cross-instance revocation feed is connected.',
      registers: [registry],
      collect() {
        this.set(probes.feedUp() ? 1 : 0);
      },
    }),
    // Alert on stale location data with time() - this; a database with several files reports its oldest.
    geoipBuild: new Gauge({
      name: 'session_registry_geoip_build_timestamp_seconds',
      help: 'Build time (Unix seconds) of the GeoIP data in use, by database (city, asn).',
      labelNames: ['database'] as const,
      registers: [registry],
      collect() {
        this.reset();
        const oldest = new Map<string, number>();
        for (const d of probes.geo?.().databases ?? []) {
          const at = d.inUse && d.buildEpoch ? Date.parse(d.buildEpoch) / 1000 : Number.NaN;
          if (!Number.isNaN(at)) oldest.set(d.database, Math.min(oldest.get(d.database) ?? at, at));
        }
        for (const [database, at] of oldest) this.set({ database }, at);
      },
    }),
    geoipUpdates: new Counter({
      name: 'session_registry_geoip_update_checks_total',
      help: 'MaxMind update checks, by database and outcome (updated, current, failed).',
      labelNames: ['database', 'outcome'] as const,
      registers: [registry],
    }),
    sessionsEnded(reasons: string[]) {
      for (const reason of reasons) ended.inc({ reason });
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
