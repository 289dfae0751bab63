import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { createHotCounter } from '../health/request-metrics.js';
import type { EndReason } from './vocabulary.js';

/** The feature's own figures, in a registry of their own that /metrics serves with the others. */
export function createSessionMetrics(probes: { cacheSize(): number; feedUp(): boolean }) {
  const registry = new Registry();
  const ended = new Counter({
    name: 'session_registry_sessions_ended_total',
    help: 'Sessions ended, by reason.',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const created = new Counter({ name: 'session_registry_sessions_created_total', help: 'Sessions created.', registers: [registry] });
  const flushes = new Counter({
    name: 'session_registry_activity_flushes_total',
    help: 'Activity batches written, by outcome.',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'session_registry_state_cache_entries',
    help: 'Sessions held in the in-process state cache.',
    registers: [registry],
    collect() {
      this.set(probes.cacheSize());
    },
  });
  const catchUps = new Counter({
    name: 'session_registry_revocation_catch_ups_total',
    help: 'Catch-ups after the listener connection came back: caught_up (ends read from the database), resynced (the state cache dropped: gap too long, too many ends, or the read failed).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const caughtUpEnds = new Counter({
    name: 'session_registry_revocation_catch_up_ends_total',
    help: 'Ends read by catch-ups.',
    registers: [registry],
  });
  const gaps = new Histogram({
    name: 'session_registry_listener_gap_seconds',
    help: 'How long the listener connection was lost, each time it came back.',
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800],
    registers: [registry],
  });
  new Gauge({
    name: 'session_registry_revocation_feed_up',
    help: '1 while the cross-instance revocation feed is connected and caught up.',
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
    caughtUp(outcome: 'caught_up' | 'resynced', ends: number) {
      catchUps.inc({ outcome });
      caughtUpEnds.inc(ends);
    },
    listenerGap: (ms: number) => gaps.observe(ms / 1000),
  };
}

export type SessionMetrics = ReturnType<typeof createSessionMetrics>;
