import { Counter, Histogram, Registry } from 'prom-client';
import { systemClock, type Clock } from '../clock.js';
import type { Logger } from '../logger.js';

// Every periodic task of the service runs here, in one shape: a named round of bounded work,
// started again `intervalMs` after the previous one ended (so rounds never overlap), optionally
// only where an advisory lock was taken (work one instance at a time should do), counted in
// metrics, and stopped, with the round under way awaited, when its feature closes.

export interface JobDefinition {
  /** The `job` label of the metrics and the logs. */
  name: string;
  /** The wait between the end of one round and the start of the next. */
  intervalMs: number;
  /**
   * One round of bounded work (what is left waits for the next round). A number returned is the
   * wait before the next round when it should differ from intervalMs (a back-off, a schedule).
   */
  run(): Promise<void | number>;
  /** The wait before the first round (0: it starts at once); intervalMs when absent. */
  firstRunInMs?: number;
  /** Run only where this PostgreSQL advisory lock was taken (tried, never waited for); elsewhere the round is skipped. */
  lockKey?: number;
  /** Where the lock is taken, when not the runner's (a feature with a pool of its own for background work). */
  tryLock?: TryLock;
}

export interface Job {
  readonly name: string;
  /** When the next round is due (epoch ms), or null while one runs or after stop. */
  readonly nextRunAt: number | null;
  /** Runs a round now, or right after the one under way; resolves when that round has ended. */
  runNow(): Promise<void>;
  /** No more rounds; resolves once the round under way (if any) has ended. */
  stop(): Promise<void>;
}

/** Runs `work` while holding advisory lock `key`; false (and `work` not run) when another session holds it. */
export type TryLock = (key: number, work: () => Promise<void>) => Promise<boolean>;

export interface JobRunnerOptions {
  logger: Pick<Logger, 'warn'>;
  tryLock?: TryLock;
  clock?: Clock;
}

/** A failing job logs at most once in this long, with the count of failures in between. */
const WARNING_INTERVAL_MS = 10_000;
/** setTimeout's largest delay. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export type JobOutcome = 'ok' | 'failed' | 'skipped';

export function createJobRunner(options: JobRunnerOptions) {
  const clock = options.clock ?? systemClock;
  const registry = new Registry();
  const runs = new Counter({
    name: 'session_registry_job_runs_total',
    help: 'Rounds of background jobs, by outcome (skipped: another instance held the job lock).',
    labelNames: ['job', 'outcome'] as const,
    registers: [registry],
  });
  const durations = new Histogram({
    name: 'session_registry_job_duration_seconds',
    help: 'Duration of background job rounds.',
    labelNames: ['job'] as const,
    buckets: [0.001, 0.01, 0.1, 0.5, 1, 5, 30, 120],
    registers: [registry],
  });
  const jobs = new Set<Job>();

  function add(definition: JobDefinition): Job {
    const { name } = definition;
    let timer: NodeJS.Timeout | null = null;
    let nextRunAt: number | null = null;
    let running: Promise<void> | null = null;
    let again = false;
    let stopped = false;
    let lastWarningAt = Number.NEGATIVE_INFINITY;
    let quietFailures = 0;

    const schedule = (delayMs: number) => {
      if (stopped) return;
      if (timer) clearTimeout(timer);
      nextRunAt = clock.now().getTime() + delayMs;
      timer = setTimeout(() => void runNow(), Math.max(0, Math.min(delayMs, MAX_TIMER_MS)));
      timer.unref();
    };

    const failed = (error: unknown) => {
      const now = clock.now().getTime();
      if (now - lastWarningAt < WARNING_INTERVAL_MS) {
        quietFailures += 1;
        return;
      }
      options.logger.warn(
        { job: name, reason: error instanceof Error ? error.message : String(error), failuresNotLogged: quietFailures },
        'background job round failed; retrying at the next round',
      );
      lastWarningAt = now;
      quietFailures = 0;
    };

    async function round(): Promise<number | undefined> {
      const started = performance.now();
      let outcome: JobOutcome = 'ok';
      let next: number | undefined;
      try {
        const work = async () => {
          const result = await definition.run();
          if (typeof result === 'number') next = result;
        };
        const tryLock = definition.tryLock ?? options.tryLock;
        if (definition.lockKey === undefined) await work();
        else if (!tryLock) throw new Error(`job ${name} needs a lock and the runner has none`);
        else if (!(await tryLock(definition.lockKey, work))) outcome = 'skipped';
      } catch (error) {
        outcome = 'failed';
        failed(error);
      }
      runs.inc({ job: name, outcome });
      durations.observe({ job: name }, (performance.now() - started) / 1000);
      return next;
    }

    function runNow(): Promise<void> {
      if (stopped) return running ?? Promise.resolve();
      if (running) {
        again = true;
        return running;
      }
      if (timer) clearTimeout(timer);
      timer = null;
      nextRunAt = null;
      running = (async () => {
        let next: number | undefined;
        do {
          again = false;
          next = await round();
        } while (again && !stopped);
        running = null;
        schedule(next ?? definition.intervalMs);
      })();
      return running;
    }

    const job: Job = {
      name,
      get nextRunAt() {
        return nextRunAt;
      },
      runNow,
      async stop() {
        stopped = true;
        if (timer) clearTimeout(timer);
        timer = null;
        nextRunAt = null;
        jobs.delete(job);
        await running;
      },
    };
    jobs.add(job);
    if (definition.firstRunInMs === 0) void runNow();
    else schedule(definition.firstRunInMs ?? definition.intervalMs);
    return job;
  }

  return {
    /** Schedules a job's rounds from now on. */
    add,
    registry,
    /** Stops every job, awaiting the rounds under way. */
    async close(): Promise<void> {
      await Promise.all([...jobs].map((job) => job.stop()));
    },
  };
}

export type JobRunner = ReturnType<typeof createJobRunner>;
