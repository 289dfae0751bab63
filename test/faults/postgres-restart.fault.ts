import { createDatabase } from '../../src/db/database.js';
import { createSessionEndsRepository } from '../../src/sessions/repositories/session-ends.js';
import { family, iterations } from './support/family.js';
import { keepAliveAgent, loop, percentile, request, sleep } from './support/http.js';
import { startPrivatePostgres } from './support/private-postgres.js';
import { signServiceToken, startService } from './support/service.js';

// PostgreSQL stops (fast shutdown) and comes back on the same address while a spawned registry
// serves steady traffic. While it is down, heartbeats of the sessions it holds are still answered
// from memory (within REVOCATION_FEED_GRACE) and every request that needs the database gets a
// quick 503; a session revoked before the outage or by this instance right after it is never
// answered as active, and one revoked by another instance while this one's listener is still
// reconnecting is refused once the feed has caught up; throughput is back within 5 s of the
// database accepting connections, with no restart of the service.

type Op = 'heartbeat' | 'introspect' | 'me-heartbeat' | 'me-list';
const OPS: Op[] = ['heartbeat', 'introspect', 'me-heartbeat', 'me-list'];

interface Observation {
  op: Op;
  session: string;
  sentAt: number;
  doneAt: number;
  status: number;
  active: boolean;
  code: string | null;
  retryAfter: string | undefined;
  error: string | null;
}

const OUTAGE_LATENCY_MS = 3000;
const RECOVERY_MS = 5000;
const FEED_DELIVERY_MS = 250;

family(
  'PostgreSQL restarted mid-traffic',
  { kind: 'fault', unit: `checks over ${iterations(2, 6)} restart cycles`, timeout: 600000 },
  async (t, tally) => {
    const database = await startPrivatePostgres();
    t.teardown(() => database.destroy());
    const service = await startService({
      DATABASE_URL: database.url,
      RATE_LIMIT_PER_MINUTE: '1000000',
      AUTH_FAILURES_PER_MINUTE: '1000000',
    });
    t.teardown(() => service.kill('SIGKILL'));
    const token = signServiceToken();
    const agent = keepAliveAgent(32);
    t.teardown(() => agent.destroy());

    const cycles = iterations(2, 6);
    // Per cycle: 3 revoked before the outage, 3 whose revocation is refused during it and retried
    // after, 3 revoked by another instance as the database comes back, 3 never revoked.
    const sessions: Array<{ id: string; token: string; cycle: number; role: 'before' | 'retried' | 'remote' | 'kept' }> = [];
    for (let cycle = 0; cycle < cycles; cycle++) {
      for (const role of ['before', 'retried', 'remote', 'kept'] as const) {
        for (let i = 0; i < 3; i++) {
          const created = await request(service.url, {
            method: 'POST',
            path: '/v1/sessions',
            token,
            body: { userId: `user-${cycle}-${i % 2}`, ip: '81.2.69.142' },
            agent,
          });
          t.equal(created.status, 201, 'setup: session created');
          sessions.push({ id: created.json.session.id, token: created.json.token, cycle, role });
        }
      }
    }
    /** From this moment on, the session must never be answered as active. */
    const revokedAt = new Map<string, number>();

    const observations: Observation[] = [];
    const traffic = loop(6, async () => {
      const s = sessions[Math.floor(Math.random() * sessions.length)];
      const op = OPS[Math.floor(Math.random() * OPS.length)];
      const sentAt = Date.now();
      let result;
      if (op === 'heartbeat')
        result = await request(service.url, {
          method: 'POST',
          path: `/v1/sessions/${s.id}/heartbeat`,
          token,
          body: { pageViews: 1 },
          agent,
        });
      else if (op === 'introspect')
        result = await request(service.url, { method: 'POST', path: '/v1/sessions/introspect', token, body: { token: s.token }, agent });
      else if (op === 'me-heartbeat')
        result = await request(service.url, { method: 'POST', path: '/v1/me/heartbeat', token: s.token, body: { pageViews: 1 }, agent });
      else result = await request(service.url, { method: 'GET', path: '/v1/me/sessions', token: s.token, agent });
      const active = result.status === 200 && (op !== 'introspect' || result.json?.active === true);
      observations.push({
        op,
        session: s.id,
        sentAt,
        doneAt: sentAt + result.ms,
        status: result.status,
        active,
        code: result.json?.code ?? null,
        retryAfter: result.headers['retry-after'] as string | undefined,
        error: result.error,
      });
    });

    // Another instance of the service, as far as this one can tell: the same repository code on
    // its own connection, ending sessions and notifying.
    const other = createDatabase({ connectionString: database.url, poolSize: 2, connectionTimeoutMs: 1000 });
    t.teardown(() => other.close());
    const otherRepo = createSessionEndsRepository(other);

    const revokeThroughService = async (id: string): Promise<number> => {
      for (const giveUpAt = Date.now() + 15000; ;) {
        if (Date.now() > giveUpAt || service.child.exitCode !== null)
          throw new Error(`revocation never succeeded: ${service.output().slice(-2000)}`);
        const response = await request(service.url, { method: 'DELETE', path: `/v1/sessions/${id}?reason=admin`, token, agent });
        if (response.status === 200) return Date.now();
        await sleep(50);
      }
    };
    const revokeFromOtherInstance = async (id: string): Promise<number> => {
      for (const giveUpAt = Date.now() + 15000; ;) {
        if (Date.now() > giveUpAt) throw new Error('the other instance could not revoke');
        try {
          await otherRepo.endOne(id, 'admin', 'service:other-instance', new Date());
          return Date.now();
        } catch {
          await sleep(20);
        }
      }
    };

    const windows: Array<{ cycle: number; downAt: number; stoppedAt: number; upAt: number; caughtUpAt: number }> = [];
    /** The moment the service reported its revocation feed whole again after the cycle's remote revokes. */
    const caughtUp = async (): Promise<number> => {
      for (const giveUpAt = Date.now() + 15000; Date.now() < giveUpAt; await sleep(20)) {
        const ready = await request(service.url, { path: '/readyz', agent });
        if (ready.json?.checks?.revocationFeed === 'ok') return Date.now();
      }
      return Infinity;
    };
    await sleep(1000);
    for (let cycle = 0; cycle < cycles; cycle++) {
      await tally.trial(`restart cycle ${cycle + 1}`, async () => {
        const mine = sessions.filter((s) => s.cycle === cycle);
        for (const s of mine.filter((x) => x.role === 'before')) revokedAt.set(s.id, await revokeThroughService(s.id));
        await sleep(1000);

        const downAt = Date.now();
        await database.stop();
        const stoppedAt = Date.now();
        // While it is down: revocations are refused quickly, liveness answers, readiness says no.
        const refused = await Promise.all(
          mine
            .filter((x) => x.role === 'retried')
            .map((s) => request(service.url, { method: 'DELETE', path: `/v1/sessions/${s.id}`, token, agent })),
        );
        for (const r of refused) {
          t.equal(r.status, 503, `a revocation during the outage is a 503 (${r.error ?? r.body.slice(0, 200)})`);
          t.equal(r.json?.code, 'service_unavailable');
          t.ok(r.ms < OUTAGE_LATENCY_MS, `answered in ${r.ms} ms`);
        }
        const live = await request(service.url, { path: '/healthz', agent });
        t.equal(live.status, 200, '/healthz answers during the outage');
        const ready = await request(service.url, { path: '/readyz', agent });
        t.equal(ready.status, 503, '/readyz is 503 during the outage');
        t.ok(ready.ms < OUTAGE_LATENCY_MS, `/readyz answered in ${ready.ms} ms`);
        await sleep(1500);

        await database.start();
        const upAt = Date.now();
        await Promise.all([
          ...mine.filter((x) => x.role === 'remote').map(async (s) => revokedAt.set(s.id, await revokeFromOtherInstance(s.id))),
          ...mine.filter((x) => x.role === 'retried').map(async (s) => revokedAt.set(s.id, await revokeThroughService(s.id))),
        ]);
        windows.push({ cycle, downAt, stoppedAt, upAt, caughtUpAt: await caughtUp() });
        await sleep(RECOVERY_MS + 1500);
      });
    }
    await traffic.stop();
    if (!t.equal(service.child.exitCode, null, 'the service kept running throughout')) t.comment(service.output().slice(-4000));

    // Nothing revoked is ever active once the revocation returned. An end made by another instance
    // reaches this one by notification, so it gets the feed's delivery time, or, made while this
    // one's listener was still reconnecting, until the feed has caught up (the stated bound).
    const remoteUntil = new Map(sessions.filter((s) => s.role === 'remote').map((s) => [s.id, windows[s.cycle]?.caughtUpAt ?? Infinity]));
    const violations = observations.filter((o) => {
      if (!o.active || !revokedAt.has(o.session)) return false;
      const revoked = revokedAt.get(o.session) as number;
      const until = remoteUntil.has(o.session) ? Math.max(revoked + FEED_DELIVERY_MS, remoteUntil.get(o.session) as number) : revoked;
      return o.sentAt > until;
    });
    tally.check(violations.length === 0, 'no revoked session was answered as active', {
      count: violations.length,
      first: violations.slice(0, 5),
    });
    // Only documented answers: never a 500, never a dropped connection.
    const unexpected = observations.filter((o) => ![200, 401, 410, 503].includes(o.status));
    tally.check(unexpected.length === 0, 'every answer is 200, 401, 410 or 503', {
      count: unexpected.length,
      first: unexpected.slice(0, 5),
    });
    const bad503 = observations.filter((o) => o.status === 503 && (o.code !== 'service_unavailable' || o.retryAfter === undefined));
    tally.check(bad503.length === 0, 'every 503 is service_unavailable with Retry-After', { first: bad503.slice(0, 5) });
    tally.check(service.internalErrors() === 0, 'no internal error was logged', { count: service.internalErrors() });

    for (const w of windows) {
      const during = observations.filter((o) => o.sentAt >= w.stoppedAt && o.sentAt < w.upAt);
      const slow = during.filter((o) => o.doneAt - o.sentAt >= OUTAGE_LATENCY_MS);
      const maxMs = Math.max(0, ...during.map((o) => o.doneAt - o.sentAt));
      tally.check(
        during.length > 0 && slow.length === 0,
        `cycle ${w.cycle + 1}: every request during the outage answered within ${OUTAGE_LATENCY_MS} ms`,
        {
          requests: during.length,
          slow: slow.length,
          maxMs,
        },
      );
      // Heartbeats of held sessions are answered from memory within the grace (200, or a refusal of an
      // end heard before: 401, 410); only what is not held, or needs a write, is a 503.
      const heartbeats = during.filter((o) => o.op === 'heartbeat' || o.op === 'me-heartbeat');
      const answered = heartbeats.filter((o) => o.status === 200 || o.status === 401 || o.status === 410);
      tally.check(
        answered.length >= heartbeats.length * 0.9,
        `cycle ${w.cycle + 1}: heartbeats during the outage are answered from memory`,
        {
          statuses: countBy(heartbeats.map((o) => o.status)),
        },
      );
      tally.note(
        `cycle ${w.cycle + 1}: ${answered.length} of ${heartbeats.length} heartbeats during the outage answered from memory; statuses ${JSON.stringify(countBy(during.map((o) => o.status)))}`,
      );
      tally.check(
        w.caughtUpAt - w.upAt <= RECOVERY_MS,
        `cycle ${w.cycle + 1}: the revocation feed caught up ${w.caughtUpAt - w.upAt} ms after the database was back`,
      );
      tally.note(`cycle ${w.cycle + 1}: the revocation feed caught up ${w.caughtUpAt - w.upAt} ms after the database was back`);
      // Recovery: no request fails once RECOVERY_MS have passed since the database accepted
      // connections again, and within that time some one-second window runs at half the rate (or
      // more) of the second before the outage.
      const baseline = observations.filter((o) => o.doneAt >= w.downAt - 1000 && o.doneAt < w.downAt).length;
      const after = observations.filter((o) => o.sentAt >= w.upAt && o.sentAt < w.upAt + RECOVERY_MS + 1500);
      const lastFailure = Math.max(w.upAt, ...after.filter((o) => o.status === 503 || o.status === 0).map((o) => o.sentAt));
      const recoveredMs = lastFailure - w.upAt;
      let rate = 0;
      for (let from = w.upAt; from + 1000 <= w.upAt + RECOVERY_MS; from += 250) {
        rate = Math.max(
          rate,
          observations.filter((o) => o.doneAt > from && o.doneAt <= from + 1000 && o.status !== 503 && o.status !== 0).length,
        );
      }
      tally.check(
        recoveredMs <= RECOVERY_MS,
        `cycle ${w.cycle + 1}: no failures ${recoveredMs} ms after the database was back (limit ${RECOVERY_MS})`,
      );
      tally.check(
        rate >= baseline * 0.5,
        `cycle ${w.cycle + 1}: throughput back within ${RECOVERY_MS} ms (${rate}/s, ${baseline}/s before)`,
      );
      tally.note(
        `cycle ${w.cycle + 1}: outage p99 ${percentile(
          during.map((o) => o.doneAt - o.sentAt),
          99,
        )} ms, recovered ${recoveredMs} ms, ${baseline}→${rate} req/s`,
      );
    }

    // Every revoked session is ended in the database, nothing else is, and the kept ones still work.
    const ended = await other.pool.query<{ id: string }>('select id from sessions where ended_at is not null');
    tally.check(
      ended.rows.length === revokedAt.size && ended.rows.every((r) => revokedAt.has(r.id)),
      'exactly the revoked sessions are ended in the database',
      { ended: ended.rows.length, revoked: revokedAt.size },
    );
    for (const s of sessions.filter((x) => x.role === 'kept')) {
      const beat = await request(service.url, { method: 'POST', path: '/v1/me/heartbeat', token: s.token, agent });
      tally.check(beat.status === 200, 'a session never revoked works after the outage', { status: beat.status, body: beat.body });
    }
    tally.note(`${observations.length} requests`);
  },
);

function countBy(values: number[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}
