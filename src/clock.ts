/**
 * The one source of "now" for every time rule, so tests can stand exactly on a boundary (or move
 * time on). Nothing in src/ reads the system time otherwise (a lint rule keeps it so); durations
 * are measured with performance.now(), which no clock setting should bend.
 */
export interface Clock {
  now(): Date;
  /** The same instant in epoch milliseconds, without making a Date (for hot paths); derived from now() when absent. */
  nowMs?(): number;
}

export const systemClock: Clock = { now: () => new Date(), nowMs: () => Date.now() };

/** `clock`'s now in epoch milliseconds. */
export const epochMs = (clock: Clock): number => (clock.nowMs ? clock.nowMs() : clock.now().getTime());
