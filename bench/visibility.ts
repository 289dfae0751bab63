// How soon a revocation made on instance A is seen by instance B, and whether A itself ever
// answers for a session it has just ended.
import type { BenchContext } from './context.js';
import { createClient } from './load.js';
import { summarize } from './load.js';
import type { Service } from './processes.js';

export interface VisibilityFigures {
  trials: number;
  /** Milliseconds from A's DELETE response to B's first 410. */
  p50: number;
  p99: number;
  max: number;
  /** Heartbeats B answered 200 after the DELETE had returned (allowed: B learns asynchronously). */
  bStaleAnswers: number;
  /** Heartbeats A answered 200 right after its own DELETE returned (must be 0). */
  sameInstanceStale: number;
}

/**
 * `ids`: one fresh active session per trial. Each is first heartbeated on both instances so that
 * both hold it in memory as active, then ended on A.
 */
export async function visibilityFigures(ctx: BenchContext, a: Service, b: Service, ids: string[]): Promise<VisibilityFigures> {
  const trials = ids.length;
  const onA = createClient(a.url, ctx.token);
  const onB = createClient(b.url, ctx.token);
  const times: number[] = [];
  let bStale = 0;
  let sameInstanceStale = 0;
  try {
    for (let i = 0; i < trials; i++) {
      const id = ids[i];
      for (const [name, client] of [
        ['A', onA],
        ['B', onB],
      ] as const) {
        const warm = await client.call('POST', `/v1/sessions/${id}/heartbeat`, {});
        if (warm.status !== 200) throw new Error(`heartbeat on ${name} answered ${warm.status}`);
      }
      const ended = await onA.call('DELETE', `/v1/sessions/${id}`);
      if (ended.status !== 200) throw new Error(`DELETE on A answered ${ended.status}`);
      const t0 = process.hrtime.bigint();
      const pollB = (async () => {
        for (;;) {
          const r = await onB.call('POST', `/v1/sessions/${id}/heartbeat`, {});
          if (r.status === 410) return Number(process.hrtime.bigint() - t0) / 1e6;
          if (r.status !== 200) throw new Error(`heartbeat on B answered ${r.status}`);
          bStale++;
          if (Number(process.hrtime.bigint() - t0) > 10e9) throw new Error('B still accepts a revoked session after 10 s');
        }
      })();
      const checkA = onA.call('POST', `/v1/sessions/${id}/heartbeat`, {}).then((r) => {
        if (r.status === 200) sameInstanceStale++;
        else if (r.status !== 410) throw new Error(`heartbeat on A answered ${r.status}`);
      });
      const [ms] = await Promise.all([pollB, checkA]);
      times.push(ms);
    }
  } finally {
    onA.close();
    onB.close();
  }
  return { trials, ...summarize(times), bStaleAnswers: bStale, sameInstanceStale };
}
