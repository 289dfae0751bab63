import type { Metric, Registry } from 'prom-client';

// Every request is counted and timed. prom-client hashes and validates the label set on each
// observation (a child from labels() does so too), about 3 µs a request; here a request costs a
// map lookup and a few additions, and the figures are handed to the registry, in its exposition
// format, only when /metrics is scraped.

const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

interface Counted {
  labels: { route: string; method: string; status: number };
  value: number;
}

interface Timed {
  route: string;
  /** Observations per bucket (not cumulative); the last slot is above every bound. */
  buckets: Float64Array;
  sum: number;
  count: number;
}

interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

function customMetric(name: string, help: string, type: 'counter' | 'histogram', values: () => MetricValue[]): Metric {
  const metric = { name, help, type, aggregator: 'sum', get: async () => ({ name, help, type, aggregator: 'sum', values: values() }) };
  return metric as unknown as Metric;
}

export function createRequestMetrics(registry: Registry) {
  const counted = new Map<string, Counted>();
  const timed = new Map<string, Timed>();

  registry.registerMetric(
    customMetric('session_registry_http_requests_total', 'HTTP requests by route, method and status.', 'counter', () =>
      [...counted.values()].map((c) => ({ labels: c.labels, value: c.value })),
    ),
  );
  registry.registerMetric(
    customMetric('session_registry_http_request_duration_seconds', 'HTTP request duration by route.', 'histogram', () => {
      const values: MetricValue[] = [];
      const name = 'session_registry_http_request_duration_seconds';
      for (const t of timed.values()) {
        let cumulative = 0;
        DURATION_BUCKETS.forEach((le, i) => {
          cumulative += t.buckets[i];
          values.push({ metricName: `${name}_bucket`, labels: { le, route: t.route }, value: cumulative });
        });
        values.push({ metricName: `${name}_bucket`, labels: { le: '+Inf', route: t.route }, value: t.count });
        values.push({ metricName: `${name}_sum`, labels: { route: t.route }, value: t.sum });
        values.push({ metricName: `${name}_count`, labels: { route: t.route }, value: t.count });
      }
      return values;
    }),
  );

  return {
    record(route: string, method: string, status: number, seconds: number): void {
      const key = `${status} ${method} ${route}`;
      const count = counted.get(key);
      if (count === undefined) counted.set(key, { labels: { route, method, status }, value: 1 });
      else count.value++;
      let time = timed.get(route);
      if (time === undefined) {
        time = { route, buckets: new Float64Array(DURATION_BUCKETS.length + 1), sum: 0, count: 0 };
        timed.set(route, time);
      }
      let i = 0;
      while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]) i++;
      time.buckets[i]++;
      time.sum += seconds;
      time.count++;
    },
  };
}

/** A counter without labels for a hot path: a plain number, read at scrape time. */
export function createHotCounter(registry: Registry, name: string, help: string) {
  let value = 0;
  registry.registerMetric(customMetric(name, help, 'counter', () => [{ labels: {}, value }]));
  return {
    inc(by = 1): void {
      value += by;
    },
  };
}
