import type { Logger } from './logger.js';

// The process's stop, from the first moment of its start. A terminal's Ctrl-C reaches the whole
// foreground process group, so under `npm start` node hears SIGINT twice (from the terminal and
// from npm, which forwards it); a supervisor that signals the group does the same. A repeated
// signal therefore never cuts the stop short: what was started (above all the embedded
// PostgreSQL, which runs in its own process group and hears nothing) is always stopped, in
// order while there is time and at once when there is not.

/** Thrown by `checkpoint()` when a signal came while the process was still starting. */
export class StopRequested extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`stopped by ${signal} during start`);
  }
}

interface Part {
  name: string;
  /** The orderly stop. */
  stop(): Promise<void>;
  /** The stop when time is out (it should not wait long). */
  stopNow?(): Promise<void>;
}

export interface LifecycleOptions {
  logger: Logger;
  /** How long an orderly stop may take before every part is stopped at once. */
  timeoutMs: number;
  exit?: (code: number) => void;
  /** Where signals and uncaught errors are heard (the process; a test gives its own). */
  events?: NodeJS.EventEmitter;
}

export interface Lifecycle {
  /** Something to stop, stopped in the reverse of the order it was added. */
  add(part: Part): void;
  /** Between steps of the start: throws StopRequested when a signal came meanwhile. */
  checkpoint(): void;
  /** The start is over: from now on a signal stops the process at once. */
  started(): void;
  /** The start failed (or was stopped by a signal): stop what was started, then exit. */
  startFailed(error: unknown): Promise<void>;
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

export function lifecycle(options: LifecycleOptions): Lifecycle {
  const { logger } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const parts: Part[] = [];
  let requested: NodeJS.Signals | null = null;
  let running = false;
  let stopping: Promise<void> | null = null;
  let exitCode = 0;
  let timer: NodeJS.Timeout | null = null;

  const onSignal = (signal: NodeJS.Signals) => {
    if (requested !== null || stopping !== null) {
      logger.info({ signal }, 'already stopping; the database is still stopped in order');
      return;
    }
    requested = signal;
    logger.info({ signal }, 'shutting down');
    armTimeout();
    if (running) void stop(0);
  };
  const onError = (error: unknown) => {
    logger.error({ reason: error instanceof Error ? error.message : String(error) }, 'stopping after an unexpected error');
    armTimeout();
    void stop(1);
  };
  const events = options.events ?? process;
  for (const signal of SIGNALS) events.on(signal, onSignal);
  events.on('uncaughtException', onError);
  events.on('unhandledRejection', onError);

  function armTimeout(): void {
    timer ??= setTimeout(() => void stopNow(), options.timeoutMs);
  }

  function stop(code: number): Promise<void> {
    exitCode = Math.max(exitCode, code);
    stopping ??= (async () => {
      for (const part of [...parts].reverse()) {
        try {
          await part.stop();
        } catch (error) {
          exitCode = 1;
          logger.error({ part: part.name, reason: (error as Error).message }, 'could not stop in order');
        }
      }
      logger.info({}, 'stopped');
      if (timer) clearTimeout(timer);
      exit(exitCode);
    })();
    return stopping;
  }

  // Out of time: every part is stopped at once (the embedded PostgreSQL in its immediate mode,
  // which recovers from its log at the next start), then the process exits 1.
  async function stopNow(): Promise<void> {
    logger.error({ reason: `not stopped within ${options.timeoutMs} ms` }, 'shutdown did not finish');
    for (const part of [...parts].reverse()) {
      try {
        await part.stopNow?.();
      } catch (error) {
        logger.error({ part: part.name, reason: (error as Error).message }, 'could not stop at once');
      }
    }
    exit(1);
  }

  return {
    add(part) {
      parts.push(part);
    },
    checkpoint() {
      if (requested !== null) throw new StopRequested(requested);
    },
    started() {
      running = true;
      if (requested !== null) void stop(0);
    },
    async startFailed(error) {
      if (error instanceof StopRequested) {
        await stop(0);
        return;
      }
      process.stderr.write(`session-registry failed to start: ${(error as Error).message}\n`);
      armTimeout();
      await stop(1);
    },
  };
}
