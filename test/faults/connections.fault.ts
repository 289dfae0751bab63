import pg from 'pg';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { createDatabase } from '../../src/db/database.js';
import { createSessionEndsRepository } from '../../src/sessions/repositories/session-ends.js';
import { createSessionsRepository } from '../../src/sessions/repositories/sessions.js';
import { call, login, serviceToken } from '../helper.js';
import { buildConfiguredApp } from './support/app.js';
import { family, iterations } from './support/family.js';
import { loop, percentile, sleep } from './support/http.js';

// The service's own database connections are killed, a session row is held locked while a
// revoke comes in, and slow statements hold every pooled connection. Failures stay bounded (in
// number and in time), answers are 503 service_unavailable, liveness keeps answering, and the
// pool heals without a restart.

const admin = async (url: string, t: { teardown(fn: () => unknown): void }) => {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  t.teardown(() => client.end().catch(() => {}));
  return client;
};

interface Observation {
  session: string;
  op: string;
  sentAt: number;
  doneAt: number;
  status: number;
  code: string | undefined;
  retryAfter: unknown;
  active: boolean;
}

family(
  'database connections killed (pg_terminate_backend)',
  { kind: 'fault', unit: `checks over ${iterations(6, 60)} kills`, timeout: 600000 },
  async (t, tally) => {
    const poolSize = 6;
    const { app, db, sessions: feature } = await buildConfiguredApp(t, { DATABASE_POOL_SIZE: String(poolSize) });
    const killer = await admin(db.url, t);
    const other = createDatabase({ connectionString: db.url, poolSize: 2, applicationName: 'another-instance' });
    t.teardown(() => other.close());
    const otherRepo = createSessionEndsRepository(other);
    const token = serviceToken(app);
    const sessions: Array<{ id: string; token: string; userId: string }> = [];
    for (let i = 0; i < 24; i++) {
      const created = await login(app, { userId: `kill-${i % 6}` });
      sessions.push({ id: created.session.id, token: created.token, userId: `kill-${i % 6}` });
    }
    const revokedAt = new Map<string, number>();
    let inFlight = 0;
    const observations: Observation[] = [];
    const ops: Array<
      (s: (typeof sessions)[number]) => Promise<{ op: string; statusCode: number; json(): any; headers: Record<string, unknown> }>
    > = [
      async (s) => ({
        op: 'heartbeat',
        ...(await call(app, token, { method: 'POST', url: `/v1/sessions/${s.id}/heartbeat`, payload: { pageViews: 1 } })),
      }),
      async (s) => ({
        op: 'introspect',
        ...(await call(app, token, { method: 'POST', url: '/v1/sessions/introspect', payload: { token: s.token } })),
      }),
      async (s) => ({ op: 'me-list', ...(await call(app, s.token, { method: 'GET', url: '/v1/me/sessions' })) }),
      async (s) => ({ op: 'view', ...(await call(app, token, { method: 'GET', url: `/v1/sessions/${s.id}` })) }),
      async (s) => ({
        op: 'create',
        ...(await call(app, token, { method: 'POST', url: '/v1/sessions', payload: { userId: s.userId, ip: '81.2.69.142' } })),
      }),
    ];
    const traffic = loop(8, async () => {
      const s = sessions[Math.floor(Math.random() * sessions.length)];
      const run = ops[Math.floor(Math.random() * ops.length)];
      const sentAt = Date.now();
      inFlight++;
      const response = await run(s);
      inFlight--;
      const json = safeJson(response);
      const active =
        (response.statusCode === 200 && response.op !== 'introspect' && response.op !== 'view' && response.op !== 'create') ||
        (response.op === 'introspect' && json?.active === true);
      observations.push({
        session: s.id,
        op: response.op,
        sentAt,
        doneAt: Date.now(),
        status: response.statusCode,
        code: json?.code,
        retryAfter: response.headers['retry-after'],
        active,
      });
    });

    const kills: Array<{ at: number; inFlight: number; killed: number; listener: boolean }> = [];
    await sleep(500);
    const count = iterations(6, 60);
    for (let i = 0; i < count; i++) {
      // Every other kill takes the revocation feed's connection too.
      const listener = i % 2 === 1;
      const names = listener ? ['session-registry', 'session-registry-listener'] : ['session-registry'];
      const before = inFlight;
      const at = Date.now();
      const result = await killer.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and application_name = any($2)',
        [db.name, names],
      );
      kills.push({ at, inFlight: Math.max(before, inFlight), killed: result.rowCount ?? 0, listener });
      if (listener) {
        // Another instance ends a session while this one's feed is down.
        const victim = sessions[i % sessions.length];
        if (!revokedAt.has(victim.id)) {
          await otherRepo.endOne(victim.id, 'admin', 'service:another-instance', new Date());
          revokedAt.set(victim.id, Date.now());
        }
      }
      await sleep(1500);
    }
    await traffic.stop();

    for (const [index, kill] of kills.entries()) {
      const end = kills[index + 1]?.at ?? Infinity;
      const window = observations.filter((o) => o.doneAt >= kill.at && o.doneAt < end);
      const failed = window.filter((o) => o.status === 503);
      // In flight at the kill, plus idle connections handed out before their death was noticed.
      const bound = kill.inFlight + kill.killed;
      tally.check(
        failed.length <= bound,
        `kill ${index + 1}: ${failed.length} failed requests, bounded by ${bound} (in flight + killed connections)`,
        {
          failed: failed.length,
          inFlight: kill.inFlight,
          killed: kill.killed,
        },
      );
      const late = window.filter((o) => o.sentAt >= kill.at + 1000 && o.doneAt < end && o.status >= 500);
      tally.check(late.length === 0, `kill ${index + 1}: every request sent 1 s after the kill succeeds (the pool healed)`, {
        late: late.slice(0, 5),
      });
    }
    const unexpected = observations.filter((o) => ![200, 201, 401, 410, 503].includes(o.status));
    tally.check(unexpected.length === 0, 'only 200, 201, 401, 410 and 503 answers', { first: unexpected.slice(0, 5) });
    const bad503 = observations.filter((o) => o.status === 503 && (o.code !== 'service_unavailable' || o.retryAfter === undefined));
    tally.check(bad503.length === 0, 'every 503 is service_unavailable with Retry-After', { first: bad503.slice(0, 5) });
    const violations = observations.filter(
      (o) => o.active && revokedAt.has(o.session) && o.sentAt > (revokedAt.get(o.session) as number) + 250,
    );
    tally.check(violations.length === 0, 'a session ended by another instance while the feed was down is never active here', {
      first: violations.slice(0, 5),
    });

    const feedBack = await until(() => feature.feedStatus().mode === 'ok', 5000);
    tally.check(feedBack, 'the revocation feed reconnects');
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    tally.check(ready.statusCode === 200, '/readyz is 200 after the kills', { body: ready.body });
    const totalFailed = observations.filter((o) => o.status === 503).length;
    tally.note(`${kills.length} kills, ${observations.length} requests, ${totalFailed} answered 503`);
    const byOp = [...new Set(observations.map((o) => o.op))].map(
      (op) =>
        `${op} p50 ${percentile(
          observations.filter((o) => o.op === op).map((o) => o.doneAt - o.sentAt),
          50,
        )} ms`,
    );
    t.comment(byOp.join(', '));
  },
);

family(
  'row lock held while a revoke arrives',
  { kind: 'fault', unit: `checks over ${iterations(3, 20)} locks`, timeout: 600000 },
  async (t, tally) => {
    const lockTimeoutMs = 1500;
    const { app, db, database, sessions } = await buildConfiguredApp(t, {
      DATABASE_POOL_SIZE: '4',
      DATABASE_STATEMENT_TIMEOUT_MS: String(lockTimeoutMs),
    });
    const token = serviceToken(app);
    const rounds = iterations(3, 20);
    const waits: number[] = [];
    for (let round = 0; round < rounds; round++) {
      await tally.trial(`lock ${round + 1}`, async () => {
        const mine = await login(app, { userId: `locked-${round}` });
        const bystander = await login(app, { userId: `free-${round}` });
        const locker = await admin(db.url, t);
        await locker.query('begin');
        await locker.query('select id from sessions where id = $1 for update', [mine.session.id]);

        const started = Date.now();
        const viaService = call(app, token, { method: 'DELETE', url: `/v1/sessions/${mine.session.id}` });
        const viaOwner = call(app, bystander.token, { method: 'GET', url: '/v1/me/sessions' });
        // While the revoke waits: liveness, other sessions and heartbeats of the locked one still answer.
        const live = Date.now();
        const health = await app.inject({ method: 'GET', url: '/healthz' });
        t.equal(health.statusCode, 200, '/healthz answers while a revoke waits on a lock');
        t.ok(Date.now() - live < 500, `/healthz answered in ${Date.now() - live} ms`);
        t.equal((await viaOwner).statusCode, 200, 'another session is served meanwhile');
        for (let i = 0; i < 5; i++) {
          const beat = await call(app, token, {
            method: 'POST',
            url: `/v1/sessions/${mine.session.id}/heartbeat`,
            payload: { pageViews: 1 },
          });
          t.equal(beat.statusCode, 200, 'the locked session still takes heartbeats (buffered)');
        }
        const refused = await viaService;
        const waited = Date.now() - started;
        t.equal(refused.statusCode, 503, 'the revoke gives up on the lock: 503');
        t.equal(refused.json().code, 'service_unavailable');
        t.equal(refused.headers['retry-after'], '1');
        t.ok(waited < lockTimeoutMs + 1500, `bounded wait: ${waited} ms (lock_timeout ${lockTimeoutMs} ms)`);
        waits.push(waited);

        await locker.query('rollback');
        const ended = await call(app, token, { method: 'DELETE', url: `/v1/sessions/${mine.session.id}` });
        t.equal(ended.statusCode, 200, 'the same revoke succeeds once the lock is released');
        t.equal(ended.json().status, 'ended');
        const after = await call(app, token, { method: 'POST', url: `/v1/sessions/${mine.session.id}/heartbeat` });
        t.equal(after.statusCode, 410, 'and the session is ended');
        // The flushes that met the lock were retried, once each: nothing lost, nothing doubled.
        await sessions.flushActivity();
        const row = await createSessionsRepository(database).findById(mine.session.id);
        t.equal(Number(row?.page_views), 5, 'page views written exactly once');
        t.equal(Number(row?.heartbeats), 5, 'heartbeats written exactly once');
      });
    }
    tally.note(
      `${rounds} locks: the revoke was refused after ${Math.min(...waits)}–${Math.max(...waits)} ms (lock_timeout ${lockTimeoutMs} ms), then succeeded`,
    );
  },
);

family(
  'pool exhausted by slow statements',
  { kind: 'fault', unit: `checks over ${iterations(2, 10)} rounds × 2 kinds`, timeout: 600000 },
  async (t, tally) => {
    const poolSize = 3;
    const statementTimeoutMs = 1500;
    // Slow: statements that hold every connection longer than a request may wait for one (2 s).
    const slow = await buildConfiguredApp(t, { DATABASE_POOL_SIZE: String(poolSize) });
    // Runaway: statements that would run for a minute, cut by DATABASE_STATEMENT_TIMEOUT_MS.
    const runaway = await buildConfiguredApp(t, {
      DATABASE_POOL_SIZE: String(poolSize),
      DATABASE_STATEMENT_TIMEOUT_MS: String(statementTimeoutMs),
    });

    const storm = async (app: FastifyInstance, size: number) => {
      const token = serviceToken(app);
      const sessions = await sessionsOf(app);
      return Promise.all(
        Array.from({ length: size }, async (_, i) => {
          const s = sessions[i % sessions.length];
          const sentAt = Date.now();
          const response =
            i % 3 === 0
              ? await call(app, token, { method: 'POST', url: '/v1/sessions', payload: { userId: `pool-${i % 4}` } })
              : i % 3 === 1
                ? await call(app, token, { method: 'GET', url: `/v1/users/pool-${i % 4}/sessions` })
                : await call(app, token, { method: 'POST', url: '/v1/sessions/introspect', payload: { token: s.token } });
          return {
            status: response.statusCode,
            ms: Date.now() - sentAt,
            code: safeJson(response)?.code,
            retryAfter: response.headers['retry-after'],
          };
        }),
      );
    };
    const made = new Map<FastifyInstance, Array<{ token: string }>>();
    const sessionsOf = async (app: FastifyInstance) => {
      if (!made.has(app)) made.set(app, await Promise.all(Array.from({ length: 12 }, (_, i) => login(app, { userId: `pool-${i % 4}` }))));
      return made.get(app) as Array<{ token: string }>;
    };
    await sessionsOf(slow.app);
    await sessionsOf(runaway.app);

    const rounds = iterations(2, 10);
    for (let round = 0; round < rounds; round++) {
      await tally.trial(`round ${round + 1}: slow statements`, async () => {
        const db = slow.database.db;
        const holds = Array.from({ length: poolSize }, () =>
          sql`select pg_sleep(3)`.execute(db).then(
            () => 'done',
            () => 'failed',
          ),
        );
        await sleep(50);
        const healthAt = Date.now();
        const health = await slow.app.inject({ method: 'GET', url: '/healthz' });
        const healthMs = Date.now() - healthAt;
        const results = await storm(slow.app, 120);
        t.equal(health.statusCode, 200, '/healthz answers while the pool is exhausted');
        t.ok(healthMs < 200, `/healthz answered in ${healthMs} ms`);
        const maxMs = Math.max(...results.map((r) => r.ms));
        t.ok(maxMs < 2000 + 1500, `no request waited without bound (max ${maxMs} ms; pool wait limit 2000 ms)`);
        t.ok(
          results.every((r) => [200, 201, 503].includes(r.status)),
          'answers are 200, 201 or 503',
        );
        const refused = results.filter((r) => r.status === 503);
        t.ok(refused.length > 0, 'requests that cannot get a connection in time are refused');
        t.ok(
          refused.every((r) => r.code === 'service_unavailable' && r.retryAfter === '1'),
          '503s are service_unavailable with Retry-After',
        );
        t.same(await Promise.all(holds), Array(poolSize).fill('done'));
        const after = await storm(slow.app, 30);
        t.ok(
          after.every((r) => r.status === 200 || r.status === 201),
          'once the statements finish every request succeeds',
        );
        tally.note(`slow round ${round + 1}: ${refused.length}/120 refused, max wait ${maxMs} ms`);
      });
      await tally.trial(`round ${round + 1}: runaway statements`, async () => {
        const db = runaway.database.db;
        const started = Date.now();
        const holds = Array.from({ length: poolSize }, () =>
          sql`select pg_sleep(60)`.execute(db).then(
            () => ({ ok: true, ms: Date.now() - started, code: '' }),
            (error: { code?: string }) => ({ ok: false, ms: Date.now() - started, code: error.code ?? '' }),
          ),
        );
        await sleep(50);
        const during = await storm(runaway.app, 60);
        const cut = await Promise.all(holds);
        t.ok(
          cut.every((h) => !h.ok && h.code === '57014'),
          'statement_timeout cancelled every runaway statement',
        );
        t.ok(
          cut.every((h) => h.ms < statementTimeoutMs + 1500),
          `cancelled after ${Math.max(...cut.map((h) => h.ms))} ms`,
        );
        t.ok(
          during.every((r) => [200, 201, 503].includes(r.status)),
          'answers during are 200, 201 or 503',
        );
        t.ok(Math.max(...during.map((r) => r.ms)) < statementTimeoutMs + 2000 + 1500, 'bounded waits during');
        const after = await storm(runaway.app, 30);
        t.ok(
          after.every((r) => r.status === 200 || r.status === 201),
          'after: every request succeeds without a restart',
        );
        t.equal((await runaway.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
      });
    }
  },
);

function safeJson(response: { json(): any }): any {
  try {
    return response.json();
  } catch {
    return null;
  }
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await sleep(20);
  }
  return check();
}
