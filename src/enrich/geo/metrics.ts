import { Counter, Gauge, Registry } from 'prom-client';
import type { GeoLookup } from '../types.js';
import type { CheckOutcome } from './updater.js';

/**
 * The data's age, the values damaged data yielded and lookups dropped, and the update checks, in a
 * registry of their own that /metrics serves with the others.
 */
export function createGeoMetrics(geo: Pick<GeoLookup, 'status' | 'droppedValues'>) {
  const status = () => geo.status();
  const registry = new Registry();
  // Alert on stale location data with time() - this; a database with several files reports its oldest.
  new Gauge({
    name: 'session_registry_geoip_build_timestamp_seconds',
    help: 'Build time (Unix seconds) of the GeoIP data in use, by database (city, asn).',
    labelNames: ['database'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const oldest = new Map<string, number>();
      for (const d of status().databases) {
        const at = d.inUse && d.buildEpoch ? Date.parse(d.buildEpoch) / 1000 : Number.NaN;
        if (!Number.isNaN(at)) oldest.set(d.database, Math.min(oldest.get(d.database) ?? at, at));
      }
      for (const [database, at] of oldest) this.set({ database }, at);
    },
  });
  // Non-zero means a GeoIP file is damaged (on disk or in its download): replace it.
  new Counter({
    name: 'session_registry_geoip_values_dropped_total',
    help: 'Values a GeoIP lookup yielded that were not what their field holds (damaged data), dropped from the location or network, by field.',
    labelNames: ['field'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [field, count] of Object.entries(geo.droppedValues?.() ?? {})) if (count) this.inc({ field }, count);
    },
  });
  const checks = new Counter({
    name: 'session_registry_geoip_update_checks_total',
    help: 'MaxMind update checks, by database and outcome (updated, current, failed).',
    labelNames: ['database', 'outcome'] as const,
    registers: [registry],
  });
  return { registry, updateChecked: (database: 'city' | 'asn', outcome: CheckOutcome) => checks.inc({ database, outcome }) };
}
