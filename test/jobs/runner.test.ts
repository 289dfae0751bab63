import t from 'tap';
import { createDatabase } from '../../src/db/database.js';
import { createJobRunner } from '../../src/jobs/runner.js';
import { createTestDatabase } from '../helper.js';

const quiet = { warn: () => {} };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function metric(registry: { getSingleMetricAsString(name: string): Promise<string> }, name: string, labels: string): Promise<number> {
  const text = await registry.getSingleMetricAsString(name);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(' ').pop()) : 0;
}

t.test('rounds never overlap: a round asked for while one runs follows it, once', async (t) => {
  const runner = createJobRunner({ logger: quiet });
  t.teardown(() => runner.close());
  let active = 0;
  let most = 0;
  let rounds = 0;
  let release: () => void = () => {};
  const job = runner.add({
    name: 'slow',
    intervalMs: 60_000,
    run: async () => {
      active += 1;
      most = Math.max(most, active);
      rounds += 1;
      if (rounds === 1) await new Promise<void>((resolve) => (release = resolve));
      active -= 1;
    },
  });
  const first = job.runNow();
  await sleep(10);
  const asked = [job.runNow(), job.runNow(), job.runNow()];
  release();
  await Promise.all([first, ...asked]);
  t.equal(most, 1, 'one round at a time');
  t.equal(rounds, 2, 'the three requests made during the first round ran one more round');
  t.ok(job.nextRunAt !== null && job.nextRunAt > Date.now() + 50_000, 'the next round is an interval after the last one ended');
});

t.test('the next round is due an interval after the last one ended, or after the wait a round returned', async (t) => {
  let now = Date.parse('2026-12-07T00:00:00Z');
  const runner = createJobRunner({ logger: quiet, clock: { now: () => new Date(now) } });
  t.teardown(() => runner.close());
  let rounds = 0;
  const job = runner.add({
    name: 'scheduled',
    intervalMs: 60_000,
    firstRunInMs: 5_000,
    run: async () => {
      rounds += 1;
      now += 1_000; // the round takes a second
      return rounds === 2 ? 150_000 : undefined;
    },
  });
  const start = now;
  t.equal(job.nextRunAt, start + 5_000, 'the first round is due after firstRunInMs');
  await job.runNow();
  t.equal(job.nextRunAt, start + 1_000 + 60_000, 'then an interval after the round ended');
  await job.runNow();
  t.equal(job.nextRunAt, start + 2_000 + 150_000, 'a returned number is the next wait');
  await job.runNow();
  t.equal(job.nextRunAt, start + 3_000 + 60_000, 'and the interval again after that');
});

t.test('failures are counted, logged at most once in ten seconds, and the job goes on', async (t) => {
  const warnings: object[] = [];
  const runner = createJobRunner({ logger: { warn: (obj) => warnings.push(obj) } });
  t.teardown(() => runner.close());
  let calls = 0;
  const job = runner.add({
    name: 'flaky',
    intervalMs: 60_000,
    run: async () => {
      calls += 1;
      if (calls <= 3) throw new Error('database unreachable');
    },
  });
  for (let i = 0; i < 4; i++) await job.runNow();
  t.equal(calls, 4);
  t.equal(warnings.length, 1, 'one warning for three failures in a row');
  t.match(warnings[0], { job: 'flaky', reason: 'database unreachable' });
  t.equal(await metric(runner.registry, 'session_registry_job_runs_total', 'outcome="failed"'), 3);
  t.equal(await metric(runner.registry, 'session_registry_job_runs_total', 'outcome="ok"'), 1);
});

t.test('stop awaits the round under way and no round starts after it', async (t) => {
  const runner = createJobRunner({ logger: quiet });
  let finished = false;
  let rounds = 0;
  const job = runner.add({
    name: 'closing',
    intervalMs: 5,
    firstRunInMs: 0,
    run: async () => {
      rounds += 1;
      await sleep(50);
      finished = true;
    },
  });
  await sleep(10);
  await runner.close();
  t.ok(finished, 'the round under way ended before close resolved');
  const after = rounds;
  await job.runNow();
  await sleep(30);
  t.equal(rounds, after, 'no round after stop');
  t.equal(job.nextRunAt, null);
});

t.test('a job with a lock runs on one instance at a time; the others skip their round', async (t) => {
  const database = await createTestDatabase();
  const a = createDatabase({ connectionString: database.url, poolSize: 2 });
  const b = createDatabase({ connectionString: database.url, poolSize: 2 });
  t.teardown(async () => {
    await a.close();
    await b.close();
    await database.drop();
  });
  const runnerA = createJobRunner({ logger: quiet, tryLock: a.tryWithLock });
  const runnerB = createJobRunner({ logger: quiet, tryLock: b.tryWithLock });
  t.teardown(async () => {
    await runnerA.close();
    await runnerB.close();
  });
  let inside = 0;
  let most = 0;
  const ran: string[] = [];
  const work = (name: string) => async () => {
    inside += 1;
    most = Math.max(most, inside);
    ran.push(name);
    await sleep(100);
    inside -= 1;
  };
  const jobA = runnerA.add({ name: 'purge', intervalMs: 60_000, lockKey: 4242, run: work('a') });
  const jobB = runnerB.add({ name: 'purge', intervalMs: 60_000, lockKey: 4242, run: work('b') });
  const first = jobA.runNow();
  await sleep(30);
  await jobB.runNow();
  await first;
  t.same(ran, ['a'], 'b skipped its round while a held the lock');
  t.equal(most, 1);
  t.equal(await metric(runnerB.registry, 'session_registry_job_runs_total', 'outcome="skipped"'), 1);
  await jobB.runNow();
  t.same(ran, ['a', 'b'], 'once released, the lock is b’s to take');
  const { rows } = await a.pool.query("select count(*)::int as n from pg_locks where locktype = 'advisory'");
  t.equal(rows[0].n, 0, 'no advisory lock is left held');
});
