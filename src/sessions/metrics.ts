import { Counter, Gauge, Registry } from 'prom-client';
import { createHotCounter } from '../health/request-metrics.js';
import type { EndReason } from './vocabulary.js';

/** The feature's own figures, in a registry of their own that /metrics serves with the others. */
export function createSessionMetrics(probes: { cacheSize(): number; feedUp(): boolean }) {
  const registry = new Registry();
  const ended = new Counter({ name: 'session_registry_sessions_ended_total', help: 'Sessions ended, by reason.', labelNames: ['reason'] as const, registers: [registry] });
  const created = new Counter({ name: 'session_registry_sessions_created_total', help: 'Sessions created.', registers: [registry] });
  const flushes = new Counter({ name: 'session_registry_activity_flushes_total', help: 'Activity batches written, by outcome.', labelNames: ['outcome'] as const, registers: [registry] });
  new Gauge({
    name: 'session_registry_state_cache_entries',
    help: 'Sessions held in the in-process state cache.',
    registers: [registry],
    collect() {
      this.set(probes.cacheSize());
    },
  });
  new Gauge({
    name: 'session_registry_revocation_feed_up',
    help: '1 while the cross-instance revocation feed is connected.',
    registers: [registry],
    collect() {
      this.set(probes.feedUp() ? 1 : 0);
    },
  });
  return {
    registry,
    heartbeats: createHotCounter(registry, 'session_registry_heartbeats_total', 'Heartbeats accepted.'),
    sessionCreated: () => created.inc(),
    sessionsEnded(reasons: EndReason[]) {
      for (const reason of reasons) ended.inc({ reason });
    },
    flushed: (ok: boolean) => flushes.inc({ outcome: ok ? 'ok' : 'failed' }),
  };
}

export type SessionMetrics = ReturnType<typeof createSessionMetrics>;
