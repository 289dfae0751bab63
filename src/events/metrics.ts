import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The feature's figures, in a registry of their own that /metrics serves with the others. */
export function createEventMetrics() {
  const registry = new Registry();
  const attempts = new Counter({
    name: 'session_registry_webhook_attempts_total',
    help: 'Webhook delivery attempts, by outcome (delivered, retry, failed).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const durations = new Histogram({
    name: 'session_registry_webhook_attempt_seconds',
    help: 'Time from the destination check to the end of the answer, per attempt.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: 'session_registry_webhook_attempts_in_flight',
    help: 'Webhook attempts this instance has under way.',
    registers: [registry],
  });
  return {
    registry,
    attemptStarted() {
      inFlight.inc();
    },
    attempted(outcome: 'delivered' | 'retry' | 'failed', seconds: number) {
      inFlight.dec();
      attempts.inc({ outcome });
      durations.observe(seconds);
    },
  };
}
