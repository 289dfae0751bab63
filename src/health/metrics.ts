import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

// One registry per app instance, so two instances in one process (tests) do not collide.
export function createMetrics(probes: { cacheSize(): number; feedUp(): boolean }) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'session_registry_' });
  const requests = new Counter({
    name: 'session_registry_http_requests_total',
    help: 'HTTP requests by route, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'session_registry_http_request_duration_seconds',
    help: 'HTTP request duration by route.',
    labelNames: ['route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const ended = new Counter({
    name: 'session_registry_sessions_ended_total',
    help: 'Sessions ended, by reason.',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  // Label sets resolved once per route, method and status: prom-client hashes the label object on
  // every call otherwise, and this runs on every request.
  const children = new Map<string, { count: Counter.Internal; time: Histogram.Internal<'route'> }>();
  return {
    registry,
    requests,
    duration,
    recordRequest(route: string, method: string, status: number, seconds: number): void {
      const key = `${status} ${method} ${route}`;
      let child = children.get(key);
      if (child === undefined) {
        child = { count: requests.labels({ route, method, status }), time: duration.labels({ route }) };
        children.set(key, child);
      }
      child.count.inc();
      child.time.observe(seconds);
    },
    sessionsCreated: new Counter({ name: 'session_registry_sessions_created_total', help: 'Sessions created.', registers: [registry] }),
    heartbeats: new Counter({ name: 'session_registry_heartbeats_total', help: 'Heartbeats accepted.', registers: [registry] }),
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
    sessionsEnded(reasons: string[]) {
      for (const reason of reasons) ended.inc({ reason });
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
