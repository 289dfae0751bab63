// Page views accepted before a SIGTERM must all reach the database: the instance writes what it
// buffered on its way out.
import { HEARTBEAT_BODY, pick, query, type BenchContext } from './context.js';
import { runLoad } from './load.js';
import { sleep, stopService, type Service } from './processes.js';

export interface SigtermFigures {
  accepted: number;
  written: number;
  exact: boolean;
  refusedOrFailed: number;
  secondsBeforeSignal: number;
  exitCode: number | null;
  shutdownMs: number;
}

async function pageViews(ctx: BenchContext, ids: string[]): Promise<number> {
  const [row] = await query<{ n: string }>(ctx, 'select coalesce(sum(page_views), 0)::text as n from sessions where id = any($1::uuid[])', [
    ids,
  ]);
  return Number(row.n);
}

export async function sigtermFigures(
  ctx: BenchContext,
  target: Service,
  ids: string[],
  options: { rate: number; secondsBeforeSignal: number },
): Promise<SigtermFigures> {
  const before = await pageViews(ctx, ids);
  let accepted = 0;
  let others = 0;
  let stop: () => void = () => {};
  const load = runLoad({
    url: target.url,
    connections: 20,
    seconds: options.secondsBeforeSignal + 15,
    overallRate: options.rate,
    method: 'POST',
    headers: { authorization: `Bearer ${ctx.token}` },
    body: HEARTBEAT_BODY,
    next: () => ({ path: `/v1/sessions/${pick(ids)}/heartbeat` }),
    started: (s) => (stop = s),
    onResponse: (status) => {
      if (status === 200) accepted++;
      else others++;
    },
  });
  await sleep(options.secondsBeforeSignal * 1000);
  const signalled = Date.now();
  const exit = await stopService(target, 'SIGTERM', 20000);
  const shutdownMs = Date.now() - signalled;
  // Let the responses already on their way be read before the client stops.
  await sleep(300);
  stop();
  const result = await load;
  const written = (await pageViews(ctx, ids)) - before;
  return {
    accepted,
    written,
    exact: accepted === written,
    refusedOrFailed: others + result.errors,
    secondsBeforeSignal: options.secondsBeforeSignal,
    exitCode: exit.code,
    shutdownMs,
  };
}
