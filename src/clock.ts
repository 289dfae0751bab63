/** The one source of "now" for every time rule, so tests can stand exactly on a boundary. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
