import { epochMs, type Clock } from '../../clock.js';
import type { Job, JobRunner } from '../../jobs/runner.js';
import type { Logger } from '../../logger.js';
import type { SendResult } from '../delivery/sender.js';
import type { OutboxEventsRepository } from '../repositories/outbox-events.js';
import type { ClaimedDelivery, DeliveryOutcome, WebhookDeliveriesRepository } from '../repositories/webhook-deliveries.js';

// The background work of delivery, in each instance, as the `webhook-delivery` job: settle the
// outcomes of attempts in batches, fan new outbox events out into deliveries, and claim due
// deliveries up to the concurrency, then attempt them. A round runs every poll interval, on the
// outbox trigger's wake-ups, and as soon as attempts finish (their outcomes settled, their slots
// refilled). Nothing here runs in a request: a login or a heartbeat never waits for it.

export interface DeliveryWorkerOptions {
  outbox: Pick<OutboxEventsRepository, 'dispatch'>;
  deliveries: Pick<WebhookDeliveriesRepository, 'claim' | 'settle' | 'release'>;
  /** One attempt; never throws (a failure is a result). */
  attempt(delivery: ClaimedDelivery): Promise<SendResult>;
  concurrency: number;
  timeoutMs: number;
  pollIntervalMs: number;
  retryScheduleMs: number[];
  logger: Logger;
  onAttemptStarted?(): void;
  onAttempt?(outcome: DeliveryOutcome['outcome'], seconds: number): void;
  jobs: JobRunner;
  clock: Clock;
}

const DISPATCH_BATCH = 500;
const SETTLE_BATCH = 500;
/** How long a closing instance waits for attempts in flight before giving them back. */
const CLOSE_WAIT_MS = 3000;
/** A claim is leased for twice the timeout and this much more: a lease never ends while its attempt may still run. */
const LEASE_MARGIN_MS = 5000;

/** Spread of retry waits: ±20%, so endpoints that failed together are not retried together. */
const jitter = (ms: number) => Math.round(ms * (0.8 + Math.random() * 0.4));

export function outcomeOf(
  delivery: Pick<ClaimedDelivery, 'id' | 'attempts'>,
  result: SendResult,
  retryScheduleMs: number[],
  now: number,
): DeliveryOutcome {
  const attempt = {
    at: new Date(now - result.durationMs).toISOString(),
    statusCode: result.statusCode,
    durationMs: result.durationMs,
    error: result.error,
  };
  if (result.ok) return { id: delivery.id, outcome: 'delivered', delayMs: 0, attempt };
  const wait = retryScheduleMs[delivery.attempts];
  if (wait === undefined) return { id: delivery.id, outcome: 'failed', delayMs: 0, attempt };
  return { id: delivery.id, outcome: 'retry', delayMs: jitter(wait), attempt };
}

export function createDeliveryWorker(options: DeliveryWorkerOptions) {
  const { logger } = options;
  const leaseMs = options.timeoutMs * 2 + LEASE_MARGIN_MS;
  // One endpoint never takes every slot: a slow one cannot hold the others back.
  const perEndpoint = Math.max(1, Math.ceil(options.concurrency / 2));
  const inFlight = new Map<string, string>();
  const perEndpointCount = new Map<string, number>();
  const outcomes: DeliveryOutcome[] = [];
  let closed = false;
  let dispatchWanted = true;
  let lastDispatchAt = Number.NEGATIVE_INFINITY;
  let job: Job | null = null;
  let lastWarning = Number.NEGATIVE_INFINITY;

  const warn = (reason: string, message: string) => {
    // A database outage would otherwise log at every round.
    if (performance.now() - lastWarning < 10_000) return;
    lastWarning = performance.now();
    logger.warn({ reason }, message);
  };

  async function dispatch(): Promise<void> {
    for (let round = 0; round < 20 && !closed; round++) {
      const result = await options.outbox.dispatch(DISPATCH_BATCH);
      if (result.events < DISPATCH_BATCH) return;
    }
  }

  async function fill(): Promise<void> {
    const free = options.concurrency - inFlight.size;
    if (free <= 0 || closed) return;
    const saturated = [...perEndpointCount].filter(([, n]) => n >= perEndpoint).map(([id]) => id);
    const claimed = await options.deliveries.claim(free, leaseMs, perEndpoint, saturated);
    for (const delivery of claimed) begin(delivery);
  }

  function begin(delivery: ClaimedDelivery): void {
    inFlight.set(delivery.id, delivery.endpointId);
    perEndpointCount.set(delivery.endpointId, (perEndpointCount.get(delivery.endpointId) ?? 0) + 1);
    options.onAttemptStarted?.();
    void options
      .attempt(delivery)
      .catch((error: unknown): SendResult => ({ ok: false, statusCode: null, durationMs: 0, error: (error as Error).message }))
      .then((result) => {
        const outcome = outcomeOf(delivery, result, options.retryScheduleMs, epochMs(options.clock));
        options.onAttempt?.(outcome.outcome, result.durationMs / 1000);
        outcomes.push(outcome);
        inFlight.delete(delivery.id);
        const left = (perEndpointCount.get(delivery.endpointId) ?? 1) - 1;
        if (left > 0) perEndpointCount.set(delivery.endpointId, left);
        else perEndpointCount.delete(delivery.endpointId);
        settleSoon();
      });
  }

  // Answers that arrive in the same turn of the event loop are settled by one round, in one statement.
  let roundQueued = false;
  let finished = false;
  const settleSoon = () => {
    // After close, an attempt that was given back is made again elsewhere; its outcome is not written.
    if (roundQueued || finished) return;
    roundQueued = true;
    setImmediate(() => {
      roundQueued = false;
      void job?.runNow();
    });
  };

  /** Writes the outcomes gathered so far, in batches; false when the database refused (kept for the next round). */
  async function settle(): Promise<boolean> {
    while (outcomes.length > 0) {
      const batch = outcomes.splice(0, SETTLE_BATCH);
      try {
        const disabled = await options.deliveries.settle(batch);
        for (const id of disabled) logger.warn({ endpoint: id }, 'webhook endpoint disabled: it failed for the whole retry schedule');
      } catch (error) {
        // Kept for the next try; if that never comes, the lease runs out and the attempt is made again.
        outcomes.unshift(...batch);
        warn((error as Error).message, 'could not record webhook attempts; retrying');
        return false;
      }
    }
    return true;
  }

  /** One round: settle, read the outbox when woken or once a poll interval, claim into the free slots. */
  async function round(): Promise<void> {
    if (!(await settle()) || closed) return;
    if (dispatchWanted || performance.now() - lastDispatchAt >= options.pollIntervalMs) {
      dispatchWanted = false;
      lastDispatchAt = performance.now();
      await dispatch();
    }
    await fill();
  }

  return {
    /** Wakes the worker: new events may be waiting in the outbox. */
    wake(): void {
      dispatchWanted = true;
      void job?.runNow();
    },
    start(): void {
      job ??= options.jobs.add({ name: 'webhook-delivery', intervalMs: options.pollIntervalMs, firstRunInMs: 0, run: round });
    },
    /** Stops claiming, lets attempts in flight finish for a moment, records them, gives back the rest. */
    async close(): Promise<void> {
      closed = true;
      await job?.stop();
      const deadline = performance.now() + CLOSE_WAIT_MS;
      while (inFlight.size > 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      const unfinished = [...inFlight.keys()];
      await settle();
      await options.deliveries.release(unfinished).catch(() => {});
      finished = true;
    },
    get inFlight(): number {
      return inFlight.size;
    },
  };
}

export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>;
