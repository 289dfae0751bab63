import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createTestDatabase } from '../helper.js';
import { family, iterations } from './support/family.js';
import { keepAliveAgent, loop, request, sleep, type HttpResult } from './support/http.js';
import { signServiceToken, startService } from './support/service.js';

// Stopping the process. SIGTERM under load: requests in flight complete, new ones are refused,
// buffered activity is written (the page views the service acknowledged are exactly the page
// views stored) and the process exits within 10 s. SIGKILL in the middle of activity flushes:
// each flush is applied entirely or not at all, counters never exceed what was sent, and a
// session that ended stays ended.

const EXIT_LIMIT_MS = 10000;

interface Beat {
  session: string;
  pageViews: number;
  sentAt: number;
  result: HttpResult;
}

family('SIGTERM under load', { kind: 'fault', unit: `checks over ${iterations(2, 10)} stops`, timeout: 600000 }, async (t, tally) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  t.teardown(() => admin.end());
  const token = signServiceToken();
  const rounds = iterations(2, 10);
  for (let round = 0; round < rounds; round++) {
    await tally.trial(`stop ${round + 1}`, async () => {
      const service = await startService({ DATABASE_URL: db.url, RATE_LIMIT_PER_MINUTE: '1000000', MIGRATE_ON_START: 'false' });
      t.teardown(() => service.kill('SIGKILL'));
      const agent = keepAliveAgent(64);
      const sessions: string[] = [];
      for (let i = 0; i < 20; i++) {
        const created = await request(service.url, {
          method: 'POST',
          path: '/v1/sessions',
          token,
          body: { userId: `term-${round}-${i % 4}` },
          agent,
        });
        sessions.push(created.json.session.id);
      }
      const before = await totals(admin, sessions);
      const beats: Beat[] = [];
      const traffic = loop(16, async (worker) => {
        const session = sessions[Math.floor(Math.random() * sessions.length)];
        const pageViews = 1 + Math.floor(Math.random() * 5);
        const sentAt = Date.now();
        const result = await request(service.url, {
          method: 'POST',
          path: `/v1/sessions/${session}/heartbeat`,
          token,
          body: { pageViews },
          agent,
        });
        beats.push({ session, pageViews, sentAt, result });
        // Once the service is gone there is nothing to load; keep one worker probing.
        if (result.status === 0 && worker > 0) await sleep(50);
      });
      await sleep(1000 + Math.random() * 1000);
      // One request is held in flight across the signal by a row lock, released 700 ms later. It
      // comes on a kept-alive connection that its client then leaves open and idle, as a load
      // balancer's pool does: the close must not wait for the client to drop it.
      const held = sessions[0];
      await admin.query('begin');
      await admin.query('select id from sessions where id = $1 for update', [held]);
      const idleClient = keepAliveAgent(1);
      t.teardown(() => idleClient.destroy());
      const slow = request(service.url, { method: 'DELETE', path: `/v1/sessions/${held}`, token, agent: idleClient });
      await sleep(100);
      const signalledAt = Date.now();
      service.kill('SIGTERM');
      await sleep(700);
      await admin.query('rollback');
      const exit = await Promise.race([service.exited, sleep(EXIT_LIMIT_MS + 5000).then(() => null)]);
      const slowResult = await slow;
      await traffic.stop();
      agent.destroy();

      t.ok(exit, 'the process exited');
      if (!exit) return;
      const exitMs = exit.at - signalledAt;
      t.equal(exit.code, 0, 'exit code 0');
      t.ok(exitMs < EXIT_LIMIT_MS, `exited ${exitMs} ms after SIGTERM`);

      t.equal(
        slowResult.status,
        200,
        `the request in flight at the signal completed (${slowResult.error ?? slowResult.body.slice(0, 120)})`,
      );
      const heldRow = await admin.query('select end_reason from sessions where id = $1', [held]);
      t.equal(heldRow.rows[0]?.end_reason, 'revoked', 'and its effect is stored');
      const ok = beats.filter((b) => b.result.status === 200);
      const after = await totals(admin, sessions);
      const acknowledged = ok.reduce((sum, b) => sum + b.pageViews, 0);
      t.equal(after.pageViews - before.pageViews, acknowledged, 'page views stored == page views of the 200 answers');
      t.equal(after.heartbeats - before.heartbeats, ok.length, 'heartbeats stored == 200 answers');
      // In flight at the signal: answered. After it: refused (503 or no connection), never served.
      const inFlight = beats.filter((b) => b.sentAt < signalledAt - 50);
      t.same(
        inFlight.filter((b) => b.result.status !== 200).map((b) => `${b.result.status} ${b.result.error ?? ''}`),
        [],
        'every request sent before SIGTERM was answered 200',
      );
      const late = beats.filter((b) => b.sentAt > signalledAt + 100);
      t.ok(late.length > 0, `requests kept coming while it drained (${late.length})`);
      t.same(late.filter((b) => b.result.status === 200).length, 0, 'no request sent after SIGTERM was served');
      const refused = beats.filter((b) => b.sentAt >= signalledAt && b.result.status !== 0 && b.result.status !== 200);
      t.ok(
        refused.every((b) => b.result.status === 503),
        'requests refused while closing are 503',
      );
      t.ok(
        refused.every((b) => String(b.result.headers['content-type']).startsWith('application/problem+json')),
        `refusals while closing are problem+json (${refused[0]?.result.headers['content-type'] ?? 'none refused'})`,
      );
      tally.note(
        `stop ${round + 1}: exit ${exitMs} ms, ${ok.length} acknowledged heartbeats (${acknowledged} page views) all stored, ${refused.length} refused with 503`,
      );
    });
  }
});

family(
  'SIGKILL during activity flushes',
  { kind: 'fault', unit: `checks over ${iterations(4, 40)} kills`, timeout: 900000 },
  async (t, tally) => {
    const db = await createTestDatabase();
    t.teardown(() => db.drop());
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    t.teardown(() => admin.end());
    const logDir = mkdtempSync(path.join(tmpdir(), 'registry-flushes-'));
    t.teardown(() => rmSync(logDir, { recursive: true, force: true }));
    const token = signServiceToken();
    const env = {
      DATABASE_URL: db.url,
      FLUSH_LOG_DIR: logDir,
      ACTIVITY_FLUSH_INTERVAL_MS: '20',
      RATE_LIMIT_PER_MINUTE: '1000000',
      LOG_LEVEL: 'error',
    };
    const entry = 'test/faults/support/recording-server.ts';

    const setup = await startService(env, { entry });
    const sessions: string[] = [];
    for (let i = 0; i < 200; i++) {
      const created = await request(setup.url, { method: 'POST', path: '/v1/sessions', token, body: { userId: `crash-${i % 20}` } });
      sessions.push(created.json.session.id);
    }
    setup.kill('SIGTERM');
    await setup.exited;

    /** Sessions ended through the API, with what the API answered. */
    const ended = new Map<string, { endedAt: string; endReason: string }>();
    const unanswered = new Set<string>();
    let midFlush = 0;
    const kills = iterations(4, 40);
    for (let round = 0; round < kills; round++) {
      await tally.trial(`kill ${round + 1}`, async () => {
        for (const file of readdirSync(logDir)) rmSync(path.join(logDir, file));
        const before = await perSession(admin);
        const service = await startService({ ...env, MIGRATE_ON_START: 'false' }, { entry });
        t.teardown(() => service.kill('SIGKILL'));
        const agent = keepAliveAgent(32);
        const open = new Set<string>();
        const lines: string[] = [];
        let partial = '';
        let armed = false;
        let killedAt = 0;
        service.child.stdout?.on('data', (chunk: Buffer) => {
          const text = partial + chunk.toString('utf8');
          const parts = text.split('\n');
          partial = parts.pop() ?? '';
          for (const line of parts) {
            lines.push(line);
            const [kind, id] = line.split(' ');
            if (kind === 'flush-begin') open.add(id);
            if (kind === 'flush-end') open.delete(id);
            if (kind === 'flush-begin' && armed && !killedAt) {
              // A moment into the flush: before, during or just after its transaction.
              const delay = Math.random() * 3;
              killedAt = -1;
              setTimeout(() => {
                killedAt = Date.now();
                service.kill('SIGKILL');
              }, delay);
            }
          }
        });

        const sent = new Map<string, number>();
        const traffic = loop(12, async (worker) => {
          const session = sessions[Math.floor(Math.random() * sessions.length)];
          if (worker === 0 && Math.random() < 0.05 && !ended.has(session)) {
            const end = await request(service.url, { method: 'DELETE', path: `/v1/sessions/${session}?reason=admin`, token, agent });
            if (end.status === 200) ended.set(session, { endedAt: end.json.endedAt, endReason: end.json.endReason });
            // Unanswered: the kill came first, and it may or may not have been written.
            else if (end.status === 0) unanswered.add(session);
            return;
          }
          const pageViews = 1 + Math.floor(Math.random() * 3);
          // Counted before the answer: a heartbeat the service took in may never be answered.
          sent.set(session, (sent.get(session) ?? 0) + pageViews);
          const result = await request(service.url, {
            method: 'POST',
            path: `/v1/sessions/${session}/heartbeat`,
            token,
            body: { pageViews },
            agent,
          });
          if (result.status === 0) await sleep(20);
        });
        await sleep(300 + Math.random() * 1200);
        armed = true;
        await Promise.race([service.exited, sleep(5000)]);
        if (!killedAt) service.kill('SIGKILL');
        await service.exited;
        await traffic.stop();
        agent.destroy();
        if (open.size > 0) midFlush++;

        const after = await perSession(admin);
        const flushIds = readdirSync(logDir).map((file) => file.replace(/\.json$/, ''));
        t.ok(flushIds.length > 0, 'flushes were recorded (the recorder sees every activity batch)');
        const applied = new Set(
          (await admin.query<{ id: string }>('select id from activity_flushes where id = any($1::uuid[])', [flushIds])).rows.map(
            (r) => r.id,
          ),
        );
        // Expected: the state before plus every flush the database says it applied, in full.
        const expected = new Map<string, { pageViews: number; heartbeats: number }>();
        for (const id of applied) {
          const deltas = JSON.parse(readFileSync(path.join(logDir, `${id}.json`), 'utf8')) as Array<{
            id: string;
            pageViews: number;
            heartbeats: number;
          }>;
          for (const d of deltas) {
            const e = expected.get(d.id) ?? { pageViews: 0, heartbeats: 0 };
            e.pageViews += d.pageViews;
            e.heartbeats += d.heartbeats;
            expected.set(d.id, e);
          }
        }
        const mismatched: string[] = [];
        const aboveTruth: string[] = [];
        for (const [id, row] of after) {
          const was = before.get(id) ?? { pageViews: 0, heartbeats: 0 };
          const delta = expected.get(id) ?? { pageViews: 0, heartbeats: 0 };
          if (row.pageViews !== was.pageViews + delta.pageViews || row.heartbeats !== was.heartbeats + delta.heartbeats)
            mismatched.push(id);
          if (row.pageViews - was.pageViews > (sent.get(id) ?? 0)) aboveTruth.push(id);
        }
        t.same(
          mismatched,
          [],
          `the database holds exactly the flushes it recorded as applied (${applied.size}/${flushIds.length} applied, ${open.size} cut mid-flush)`,
        );
        t.same(aboveTruth, [], 'no counter above the page views sent');
        // Ended sessions stay ended, as the API reported them.
        const revived: string[] = [];
        for (const [id, end] of ended) {
          const row = after.get(id);
          if (
            !row ||
            row.endedAt === null ||
            row.endedAt !== end.endedAt ||
            row.endReason !== end.endReason ||
            row.lastActiveAt > row.endedAt
          )
            revived.push(id);
        }
        t.same(revived, [], `${ended.size} ended sessions are still ended, unchanged`);
        const stray = [...after].filter(([id, row]) => row.endedAt !== null && !ended.has(id) && !unanswered.has(id)).map(([id]) => id);
        t.same(stray, [], 'no other session ended');
        // An unanswered end that was written is from now on held to the same rule as the others.
        for (const id of unanswered) {
          const row = after.get(id);
          if (row?.endedAt && row.endReason) ended.set(id, { endedAt: row.endedAt, endReason: row.endReason });
        }
        unanswered.clear();
      });
    }
    tally.note(`${kills} kills, ${midFlush} landed while a flush was open, ${ended.size} sessions ended along the way`);

    // After all that, a normal start serves and the ended sessions are refused.
    const last = await startService({ ...env, MIGRATE_ON_START: 'false' }, { entry });
    t.teardown(() => last.kill('SIGKILL'));
    const [someEnded] = ended.keys();
    if (someEnded) {
      const refused = await request(last.url, { method: 'POST', path: `/v1/sessions/${someEnded}/heartbeat`, token });
      tally.check(refused.status === 410, 'an ended session is refused after the crashes', { status: refused.status });
    }
    const alive = sessions.find((id) => !ended.has(id)) as string;
    const beat = await request(last.url, { method: 'POST', path: `/v1/sessions/${alive}/heartbeat`, token });
    tally.check(beat.status === 200, 'an active session still works after the crashes', { status: beat.status });
    last.kill('SIGTERM');
    await last.exited;
  },
);

async function totals(admin: pg.Client, ids: string[]) {
  const result = await admin.query<{ pv: string; hb: string }>(
    'select coalesce(sum(page_views), 0) as pv, coalesce(sum(heartbeats), 0) as hb from sessions where id = any($1::uuid[])',
    [ids],
  );
  return { pageViews: Number(result.rows[0].pv), heartbeats: Number(result.rows[0].hb) };
}

async function perSession(admin: pg.Client) {
  const result = await admin.query<{
    id: string;
    page_views: string;
    heartbeats: string;
    ended_at: Date | null;
    end_reason: string | null;
    last_active_at: Date;
  }>('select id, page_views, heartbeats, ended_at, end_reason, last_active_at from sessions');
  return new Map(
    result.rows.map((r) => [
      r.id,
      {
        pageViews: Number(r.page_views),
        heartbeats: Number(r.heartbeats),
        endedAt: r.ended_at ? r.ended_at.toISOString() : null,
        endReason: r.end_reason,
        lastActiveAt: r.last_active_at.toISOString(),
      },
    ]),
  );
}
