import { appendFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';

// Each fault or attack family is one tap subtest that also counts its trials and failed trials.
// The counts go, one JSON line per event, to the file named by FAULTS_RESULTS (set by run.ts),
// so the runner can print one table for the whole suite even when a file crashes or times out:
// a family that started and never ended is reported as failed.

/** Soak mode: more iterations, more fuzzing runs, random seeds. */
export const LONG = process.env.FAULTS_LONG === '1';

/** Fixed in normal mode so a failure reproduces; FAULTS_SEED overrides, long mode picks one. */
export const SEED = process.env.FAULTS_SEED ? Number(process.env.FAULTS_SEED) : LONG ? Date.now() % 2147483647 : 20261123;

/** `normal` trials in the default run, `long` with FAULTS_LONG=1. */
export const iterations = (normal: number, long: number) => (LONG ? long : normal);

export type Kind = 'fault' | 'attack';

export interface FamilyRecord {
  file: string;
  family: string;
  kind: Kind;
  unit: string;
  event: 'start' | 'end';
  trials?: number;
  failures?: number;
  notes?: string[];
}

export interface Tally {
  /** Runs one trial; it failed when it threw or any assertion inside it failed. */
  trial<T>(name: string, fn: () => Promise<T>): Promise<T | undefined>;
  /** One trial decided by a boolean (no assertion output when it passes). */
  check(ok: boolean, message: string, extra?: Record<string, unknown>): boolean;
  /** Adds trials counted elsewhere (for example fast-check runs). */
  add(trials: number, failures: number): void;
  /** A short fact for the table (measured latency, recovery time). */
  note(text: string): void;
}

function record(entry: Omit<FamilyRecord, 'file'>): void {
  const target = process.env.FAULTS_RESULTS;
  if (!target) return;
  const file = path.relative(process.cwd(), process.argv[1] ?? 'unknown');
  appendFileSync(target, `${JSON.stringify({ file, ...entry })}\n`);
}

export function family(
  name: string,
  meta: { kind: Kind; unit: string; timeout?: number },
  fn: (t: Test, tally: Tally) => Promise<void>,
): void {
  t.test(name, { timeout: meta.timeout }, async (tt) => {
    let trials = 0;
    let failures = 0;
    const notes: string[] = [];
    const failCount = () => tt.counts.fail;
    const tally: Tally = {
      async trial(label, body) {
        trials++;
        const before = failCount();
        try {
          return await body();
        } catch (error) {
          tt.fail(`${label}: ${(error as Error).stack ?? String(error)}`);
          return undefined;
        } finally {
          if (failCount() > before) failures++;
        }
      },
      check(ok, message, extra) {
        trials++;
        if (!ok) {
          failures++;
          if (extra) tt.fail(message, { found: extra });
          else tt.fail(message);
        }
        return ok;
      },
      add(more, failed) {
        trials += more;
        failures += failed;
      },
      note(text) {
        notes.push(text);
      },
    };
    record({ family: name, kind: meta.kind, unit: meta.unit, event: 'start' });
    let crashed = false;
    try {
      await fn(tt, tally);
    } catch (error) {
      crashed = true;
      throw error;
    } finally {
      // A failure outside any trial (setup, a thrown error) still marks the family as failed.
      const failedOutside = crashed || failCount() > 0;
      if (failedOutside && failures === 0) failures = 1;
      record({ family: name, kind: meta.kind, unit: meta.unit, event: 'end', trials, failures, notes });
    }
  });
}
