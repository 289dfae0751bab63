// npm run test:ha [-- --nodes 3]: the registry through a PostgreSQL failover and a planned
// switchover. A cluster on this machine (scripts/ha/cluster.ts) serves mixed load from another
// process (load.ts) through the front HAProxy; the leader's Patroni and postmaster are killed
// together with SIGKILL, the killed node is brought back, then `patronictl switchover` moves the
// primary back. Afterwards every acknowledged write is looked for, and the figures are printed.
// Exits 1 when an assertion fails. Not part of `npm test` (it needs patroni, etcd and haproxy).
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createSigner } from 'fast-jwt';
import pg from 'pg';
import { leftovers, sleep, startCluster, type Cluster, type PgNode } from '../../scripts/ha/cluster.js';
import type { Answer, LoadRecord, LoadSettings } from './load.js';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '2' },
    'heartbeat-workers': { type: 'string', default: '16' },
    'logins-per-second': { type: 'string', default: '50' },
    pool: { type: 'string', default: '300' },
    'skip-switchover': { type: 'boolean', default: false },
  },
  strict: true,
});
const NODES = Number(values.nodes);
const AFTER_KILL_MS = 25000;
const AFTER_SWITCH_MS = 15000;
const AVAILABILITY_WINDOW_MS = 20000;
const AVAILABILITY_GOAL = 0.99;
const WRITE_GAP_GOAL_MS = 15000;
/** A request still unanswered after this long is "hanging". */
const HANG_MS = 10000;
/** Time for another instance to hear an end by notification, on a loaded machine. */
const FEED_DELIVERY_MS = 1000;
// The bounded answer from memory while the revocation feed is lost (REVOCATION_FEED_GRACE).
const configSource = readFileSync(path.resolve(import.meta.dirname, '../../src/config-env.ts'), 'utf8');
const GRACE_SUPPORTED = configSource.includes('REVOCATION_FEED_GRACE');
const GRACE_SECONDS = 30;

const startedAt = Date.now();
const log = (line: string) => process.stdout.write(`[${((Date.now() - startedAt) / 1000).toFixed(1).padStart(6)}s] ${line}\n`);
const failures: string[] = [];
const rows: Array<[string, string, string]> = [];
function check(ok: boolean, what: string, figure: string) {
  rows.push([ok ? 'ok' : 'FAILED', what, figure]);
  if (!ok) failures.push(`${what}: ${figure}`);
}
function figure(what: string, value: string) {
  rows.push(['', what, value]);
}
const pct = (part: number, whole: number) => (whole === 0 ? 'n/a' : `${((100 * part) / whole).toFixed(2)}%`);
const ok2xx = (a: Answer) => a.status >= 200 && a.status < 300;

// The webhook receiver: records every delivery's webhook-id.
const received = new Map<string, number>();
const receiver: Server = createServer((req, res) => {
  const id = String(req.headers['webhook-id'] ?? '');
  req.resume();
  req.on('end', () => {
    if (id) received.set(id, (received.get(id) ?? 0) + 1);
    res.writeHead(204).end();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const receiverPort = (receiver.address() as { port: number }).port;

const secret = randomBytes(32).toString('base64url');
const sign = (scope: string) =>
  createSigner({ key: secret, algorithm: 'HS256', iss: 'session-registry', aud: 'session-registry', sub: 'ha-test', expiresIn: 3600_000 })({
    scope,
  });
const token = sign('sessions:read sessions:write webhooks:manage');

let cluster: Cluster | null = null;
let connections = '';
const interrupt = () => process.exit(130); // the cluster module's exit handlers stop what it started
process.on('SIGINT', interrupt);
process.on('SIGTERM', interrupt);

async function main() {
  log(
    `starting a cluster of ${NODES} PostgreSQL nodes (REVOCATION_FEED_GRACE ${GRACE_SUPPORTED ? `supported: ${GRACE_SECONDS}s` : 'not in this build: the instances refuse while the feed is lost'})`,
  );
  cluster = await startCluster({
    nodes: NODES,
    registries: 2,
    log,
    registryEnv: {
      JWT_SECRET: secret,
      WEBHOOK_SECRETS_KEY: randomBytes(32).toString('base64'),
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      WEBHOOK_RETRY_SCHEDULE: '1s,1s,2s,2s,5s,5s,10s,10s,30s,30s',
      RATE_LIMIT_PER_MINUTE: '1000000',
      AUTH_FAILURES_PER_MINUTE: '1000000',
      MAX_EVENT_LOOP_DELAY_MS: '0',
      DATABASE_POOL_SIZE: '10',
      TRUST_PROXY: '127.0.0.1',
      REVOCATION_FEED_GRACE: String(GRACE_SECONDS),
    },
  });
  const c = cluster;
  const bootstrapMs = Date.now() - startedAt;
  log(`cluster up in ${(bootstrapMs / 1000).toFixed(1)} s: front ${c.frontUrl}`);

  const created = await fetch(`${c.frontUrl}/v1/webhooks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: `http://127.0.0.1:${receiverPort}/hook`, description: 'failover test' }),
  });
  if (created.status !== 201) throw new Error(`webhook endpoint: ${created.status} ${await created.text()}`);

  const outFile = path.join(tmpdir(), `sr-ha-load-${process.pid}.json`);
  const settings: LoadSettings = {
    frontUrl: c.frontUrl,
    token,
    instances: c.registries.map((r) => ({ name: r.name, url: r.url })),
    loginsPerSecond: Number(values['logins-per-second']),
    heartbeatWorkers: Number(values['heartbeat-workers']),
    revokesPerSecond: 5,
    renamesPerSecond: 5,
    poolSize: Number(values.pool),
    outFile,
  };
  const load = fork(path.resolve(import.meta.dirname, 'load.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, HA_LOAD: JSON.stringify(settings) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const fromLoad = (type: string) =>
    new Promise<any>((resolve, reject) => {
      const onMessage = (m: { type: string }) => {
        if (m.type === type) {
          load.off('message', onMessage);
          resolve(m);
        }
      };
      load.on('message', onMessage);
      load.once('exit', (code) => reject(new Error(`the load process exited (${code}) before "${type}"`)));
    });
  try {
    await fromLoad('ready');
    log(
      `load running: ${settings.loginsPerSecond} logins/s, ${settings.heartbeatWorkers} heartbeat loops over ${settings.poolSize} sessions, 5 revokes/s, 5 renames/s`,
    );
    await sleep(8000);
    connections = await connectionCounts(c.databaseUrl);

    // Phase 1: a revocation just before the failure, then the leader dies.
    const revokedNow = fromLoad('revoked');
    load.send({ type: 'revoke-now', count: 10 });
    await revokedNow;
    await sleep(1500);
    const oldLeader = (await c.leader()) as PgNode;
    if (!oldLeader) throw new Error('no leader before the kill');
    const killAt = Date.now();
    await c.killNode(oldLeader);
    log(`killed ${oldLeader.name} (Patroni and postmaster, SIGKILL)`);
    let newLeader: PgNode | null = null;
    let promotedAt = 0;
    while (Date.now() < killAt + AFTER_KILL_MS) {
      if (!newLeader) {
        const leader = await c.leader();
        if (leader && leader !== oldLeader) {
          newLeader = leader;
          promotedAt = Date.now();
          log(`${leader.name} is primary ${((promotedAt - killAt) / 1000).toFixed(1)} s after the kill`);
        }
      }
      await sleep(100);
    }
    if (!newLeader) throw new Error('no new primary within the observation window');

    // The killed node comes back as a replica (pg_rewind), then a planned switchover to it.
    let switchAt = 0;
    let switchedAt = 0;
    let switchTo: PgNode | null = null;
    if (!values['skip-switchover']) {
      await c.startNode(oldLeader);
      const rejoinDeadline = Date.now() + 120000;
      for (;;) {
        const members = await c.memberStates();
        const sync = members.find((m) => m.role === 'sync_standby' && (m.state === 'streaming' || m.state === 'running'));
        if (sync) {
          switchTo = c.nodes.find((n) => n.name === sync.name) ?? null;
          break;
        }
        if (Date.now() > rejoinDeadline) throw new Error(`no synchronous standby after the rejoin: ${JSON.stringify(members)}`);
        await sleep(250);
      }
      log(`${oldLeader.name} rejoined; ${switchTo?.name} is the synchronous standby`);
      await sleep(3000);
      switchAt = Date.now();
      const output = c.switchover(newLeader, switchTo as PgNode);
      log(
        `switchover ${newLeader.name} -> ${switchTo?.name} asked (${output.includes('Successfully') ? 'patronictl: successfully switched over' : output.trim().split('\n')[0]})`,
      );
      for (;;) {
        const leader = await c.leader();
        if (leader === switchTo) break;
        if (Date.now() > switchAt + 60000) throw new Error('the switchover did not complete');
        await sleep(100);
      }
      switchedAt = Date.now();
      await sleep(AFTER_SWITCH_MS);
    }

    const stopped = fromLoad('stopped');
    load.send({ type: 'stop' });
    await stopped;
    const loadEndAt = Date.now();
    const record = JSON.parse(readFileSync(outFile, 'utf8')) as LoadRecord;
    if (process.env.HA_KEEP_RECORD) log(`answers recorded in ${outFile}`);
    else rmSync(outFile, { force: true });
    log(
      `load stopped: ${record.beats.length} heartbeats, ${record.logins.length} logins, ${record.revokes.length} revokes, ${record.renames.length} renames`,
    );

    await verify(c, record, { killAt, promotedAt, switchAt, switchedAt, loadEndAt, oldLeader, newLeader, switchTo, bootstrapMs });
  } finally {
    if (load.exitCode === null) load.kill('SIGKILL');
  }
}

interface Times {
  killAt: number;
  promotedAt: number;
  switchAt: number;
  switchedAt: number;
  loadEndAt: number;
  oldLeader: PgNode;
  newLeader: PgNode;
  switchTo: PgNode | null;
  bootstrapMs: number;
}

async function verify(c: Cluster, record: LoadRecord, t: Times) {
  const { killAt } = t;
  killedAt = killAt;
  const runMs = t.loadEndAt - (record.beats[0]?.sentAt ?? killAt);
  figure('failover', `${t.oldLeader.name} killed; ${t.newLeader.name} primary after ${((t.promotedAt - killAt) / 1000).toFixed(1)} s`);
  if (t.switchAt)
    figure(
      'switchover',
      `${t.newLeader.name} -> ${t.switchTo?.name} asked ${((t.switchAt - killAt) / 1000).toFixed(1)} s after the kill, primary moved in ${((t.switchedAt - t.switchAt) / 1000).toFixed(1)} s`,
    );
  figure('connections to the primary under load (both instances)', connections);
  figure(
    'load achieved',
    `${(record.beats.length / (runMs / 1000)).toFixed(0)} heartbeats/s, ${(record.logins.length / (runMs / 1000)).toFixed(1)} logins/s over ${(runMs / 1000).toFixed(0)} s`,
  );

  // Availability of cached sessions: heartbeats of sessions never revoked, in the window after the kill.
  // Held by the instance that answers: a session that instance answered 2xx before the kill.
  const marked = new Set(record.marked.map((m) => m.session));
  const held = new Set(
    record.beats.filter((b) => b.sentAt < killAt && ok2xx(b) && b.servedBy >= 0).map((b) => `${b.session}/${b.servedBy}`),
  );
  const live = record.beats.filter((b) => !marked.has(b.session) && (b.servedBy < 0 || held.has(`${b.session}/${b.servedBy}`)));
  const window = live.filter((b) => b.sentAt >= killAt && b.sentAt < killAt + AVAILABILITY_WINDOW_MS);
  const served = window.filter(ok2xx).length;
  const availability = window.length ? served / window.length : 0;
  const availabilityText = `${pct(served, window.length)} (${served} of ${window.length}; service ${pct(window.filter((b) => b.kind === 'service' && ok2xx(b)).length, window.filter((b) => b.kind === 'service').length)}, /v1/me ${pct(window.filter((b) => b.kind === 'me' && ok2xx(b)).length, window.filter((b) => b.kind === 'me').length)})`;
  if (GRACE_SUPPORTED)
    check(
      availability >= AVAILABILITY_GOAL,
      `heartbeats of cached sessions answered 2xx in the ${AVAILABILITY_WINDOW_MS / 1000} s after the kill (goal >= 99%)`,
      availabilityText,
    );
  else
    figure(
      `heartbeats of cached sessions answered 2xx in the ${AVAILABILITY_WINDOW_MS / 1000} s after the kill (goal >= 99%, needs REVOCATION_FEED_GRACE)`,
      availabilityText,
    );
  const beatStatuses = countBy(window.map((b) => b.status));
  figure(
    'heartbeat answers in that window',
    Object.entries(beatStatuses)
      .map(([s, n]) => `${s}: ${n}`)
      .join(', '),
  );
  const unexpectedBeats = record.beats.filter((b) => !(ok2xx(b) || b.clean503 || [401, 410].includes(b.status)));
  check(
    unexpectedBeats.length === 0,
    'every heartbeat answer is 2xx, 401/410 (revoked) or a clean 503',
    `${unexpectedBeats.length} others ${details(unexpectedBeats)}`,
  );
  const before = record.beats.filter((b) => b.sentAt < killAt - 2000 && b.sentAt > killAt - 8000);
  figure(
    'heartbeats before the kill: rate, p50 / p99',
    `${(before.length / 6).toFixed(0)}/s, ${percentile(
      before.map((b) => b.ms),
      50,
    )} / ${percentile(
      before.map((b) => b.ms),
      99,
    )} ms`,
  );

  // Writes: clean 503s with Retry-After, never hanging, and the write gap.
  const writes: Answer[] = [...record.logins, ...record.revokes, ...record.renames];
  const badWrites = writes.filter((w) => !ok2xx(w) && !w.clean503);
  check(
    badWrites.length === 0,
    'every write not done is a 503 problem+json with Retry-After',
    `${badWrites.length} others ${details(badWrites)}; ${writes.filter((w) => w.clean503).length} clean 503s`,
  );
  // Hanging is waiting on a dead primary (TCP gives up after minutes), not a loaded machine being slow:
  // the bound is 10 s, or one and a half times the slowest write of the 10 s before the kill if that is more.
  const slowestBefore = Math.max(0, ...writes.filter((w) => w.sentAt >= killAt - 10000 && w.sentAt < killAt - 2000).map((w) => w.ms));
  const hangMs = Math.max(HANG_MS, Math.round(slowestBefore * 1.5));
  const slowest = Math.max(0, ...writes.map((w) => w.ms));
  check(
    slowest < hangMs,
    `no write hangs (every answer within ${(hangMs / 1000).toFixed(1)} s)`,
    `slowest ${slowest} ms (before the kill ${slowestBefore} ms); 503s: slowest ${Math.max(0, ...writes.filter((w) => w.status === 503).map((w) => w.ms))} ms`,
  );
  // From the first login answered with a failure after the kill to the first success of a login sent after it.
  const doneAt = (a: Answer) => a.sentAt + a.ms;
  const byDone = [...record.logins].sort((a, b) => doneAt(a) - doneAt(b));
  const firstFail = byDone.find((l) => doneAt(l) >= killAt && l.status !== 201 && l.sentAt < (t.switchAt || Infinity));
  let gapMs = 0;
  let backAt = killAt;
  if (firstFail) {
    const back = byDone.find((l) => l.sentAt > doneAt(firstFail) && l.status === 201);
    backAt = back ? doneAt(back) : Infinity;
    gapMs = backAt - doneAt(firstFail);
  }
  check(
    gapMs <= WRITE_GAP_GOAL_MS,
    `write unavailability, first failed to first successful login (goal <= ${WRITE_GAP_GOAL_MS / 1000} s)`,
    `${(gapMs / 1000).toFixed(1)} s; first failure ${firstFail ? ((doneAt(firstFail) - killAt) / 1000).toFixed(1) : '-'} s, logins back ${((backAt - killAt) / 1000).toFixed(1)} s after the kill`,
  );

  // Switchover: no 5xx other than 503 (and no dropped connection) around it.
  if (t.switchAt) {
    const around = [...writes, ...record.beats].filter((a) => a.sentAt >= t.switchAt - 1000 && a.sentAt < t.switchedAt + AFTER_SWITCH_MS);
    const bad = around.filter((a) => (a.status >= 500 && !a.clean503) || a.status === 0);
    const wfail = [...record.logins, ...record.revokes, ...record.renames].filter(
      (a) => a.sentAt >= t.switchAt - 1000 && a.sentAt < t.switchedAt + AFTER_SWITCH_MS,
    );
    check(
      bad.length === 0,
      'switchover: no 5xx other than clean 503s, no dropped connection',
      `${bad.length} of ${around.length}; writes answered 503: ${wfail.filter((w) => w.status === 503).length} of ${wfail.length}; heartbeats 2xx ${pct(around.filter((a) => 'kind' in a && ok2xx(a)).length, around.filter((a) => 'kind' in a).length)}`,
    );
  }

  // Revocation during the gap: the sessions revoked just before the kill are never active again.
  const markedAt = new Map(record.marked.map((m) => [m.session, m]));
  check(
    record.marked.length > 0 && record.marked.every((m) => m.status === 200),
    'sessions revoked just before the kill: every revoke answered 200',
    `${record.marked.filter((m) => m.status === 200).length} of ${record.marked.length}, last ${((killAt - Math.max(...record.marked.map((m) => m.doneAt))) / 1000).toFixed(1)} s before the kill`,
  );
  const afterRevoke = record.beats.filter((b) => {
    const m = markedAt.get(b.session);
    return m && ok2xx(b) && (b.sentAt >= killAt || b.sentAt > m.doneAt + (b.servedBy === m.servedBy ? 0 : FEED_DELIVERY_MS));
  });
  check(
    afterRevoke.length === 0,
    'a session revoked just before the kill is never answered active afterwards, by either instance',
    `${afterRevoke.length} active answers of ${record.beats.filter((b) => markedAt.has(b.session) && b.sentAt >= killAt).length} asked after the kill`,
  );

  // Revocations during the run: the instance that revoked never answers active afterwards; the other one
  // may (by design) answer from memory while its feed is lost, within the bound only.
  const revokeAck = new Map(record.revokes.filter((r) => r.status === 200).map((r) => [r.id, r]));
  figure('revokes acknowledged during the run', `${revokeAck.size} of ${record.revokes.length}`);

  const db = new pg.Client({ connectionString: c.databaseUrl });
  db.on('error', () => {});
  await db.connect();
  try {
    // Tokens of acknowledged revokes are refused on both instances, directly.
    let refused = 0;
    let accepted = 0;
    const pending = [...revokeAck.values()];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let r = pending.pop(); r; r = pending.pop()) {
          for (const instance of c.registries) {
            const introspect = await post(instance.url, '/v1/sessions/introspect', token, { token: r.token });
            const me = await post(instance.url, '/v1/me/heartbeat', r.token, {});
            if (introspect.status === 200 && introspect.json?.active === false && me.status === 401) refused++;
            else accepted++;
          }
        }
      }),
    );
    check(
      accepted === 0,
      'every acknowledged revoke: token refused on both instances (introspect inactive, /v1/me 401)',
      `${refused} refusals, ${accepted} not refused`,
    );

    // Webhooks: every committed lifecycle event reaches the receiver at least once.
    const endpointRows = await db.query<{ created_at: Date }>('select created_at from webhook_endpoints');
    const since = endpointRows.rows[0].created_at;
    let missing: string[] = [];
    let committed = 0;
    const eventDeadline = Date.now() + 120000;
    for (;;) {
      const events = await db.query<{ id: string }>('select id from outbox_events where created_at >= $1', [since]);
      committed = events.rows.length;
      missing = events.rows.map((e) => e.id).filter((id) => !received.has(id));
      if (missing.length === 0 || Date.now() > eventDeadline) break;
      await sleep(500);
    }
    const duplicates = [...received.values()].reduce((sum, n) => sum + (n - 1), 0);
    check(
      missing.length === 0,
      'every committed lifecycle event delivered to the receiver at least once',
      `${committed - missing.length} of ${committed} delivered, ${missing.length} missing, ${duplicates} duplicate deliveries; waited ${((Date.now() - t.loadEndAt) / 1000).toFixed(1)} s after the load`,
    );

    // Readiness: degraded during the failover, recovered by itself.
    for (const [i, instance] of c.registries.entries()) {
      const samples = record.ready.filter((r) => r.instance === i);
      const degraded = samples.filter(
        (r) => r.at >= killAt && r.at < t.promotedAt + 15000 && (r.status !== 200 || r.checks?.revocationFeed !== 'ok'),
      );
      const last = samples[samples.length - 1];
      const now = await fetchJson(`${instance.url}/readyz`);
      const recovered = now.status === 200 && now.json?.checks?.revocationFeed === 'ok';
      const states = [...new Set(degraded.map((r) => `${r.status} ${JSON.stringify(pick(r.checks))}`))].slice(0, 4).join(' | ');
      check(
        degraded.length > 0 && recovered && instance.proc.child.exitCode === null,
        `${instance.name} /readyz degraded during the failover and ready again by itself`,
        `${degraded.length} degraded samples (${states}); last in run ${last?.status}; now ${now.status} feed ${now.json?.checks?.revocationFeed}`,
      );
    }

    // Stop the instances (each flushes its activity buffer on the way out), then count what is stored.
    for (const r of c.registries) {
      r.proc.child.kill('SIGTERM');
      await new Promise<void>((resolve) => (r.proc.child.exitCode !== null ? resolve() : r.proc.child.once('exit', () => resolve())));
    }
    const loginAck = record.logins.filter((l) => l.status === 201);
    const stored = await db.query<{
      id: string;
      user_id: string;
      metadata: unknown;
      name: string | null;
      ended_at: Date | null;
      end_reason: string | null;
      page_views: string;
    }>('select id, user_id, metadata, name, ended_at, end_reason, page_views from sessions where id = any($1::uuid[]) or user_id like $2', [
      loginAck.map((l) => l.id),
      'pool-%',
    ]);
    const byId = new Map(stored.rows.map((r) => [r.id, r]));
    const lostLogins = loginAck.filter((l) => {
      const row = byId.get(l.id as string);
      return !row || row.user_id !== `login-${l.n}` || (row.metadata as { n?: string } | null)?.n !== String(l.n);
    });
    check(
      lostLogins.length === 0,
      'every login answered 201 is stored with its data',
      `${loginAck.length - lostLogins.length} of ${loginAck.length} (of ${record.logins.length} sent)`,
    );
    const notEnded = [...revokeAck.values()].filter((r) => !byId.get(r.id)?.ended_at);
    check(
      notEnded.length === 0,
      'every revoke answered 200 is ended in the database',
      `${revokeAck.size - notEnded.length} of ${revokeAck.size}`,
    );
    const renameAck = record.renames.filter((r) => r.status === 200);
    const wrongName = renameAck.filter((r) => byId.get(r.id)?.name !== r.name);
    check(
      wrongName.length === 0,
      'every rename answered 200 is stored',
      `${renameAck.length - wrongName.length} of ${renameAck.length} (of ${record.renames.length} sent)`,
    );

    // Page views: acknowledged ones stored exactly; unanswered ones (no status) may or may not be.
    let acked = 0;
    let unknown = 0;
    let short = 0;
    let over = 0;
    const overDetail: string[] = [];
    for (const [i, s] of record.pool.entries()) {
      const beats = record.beats.filter((b) => b.session === i);
      const a = beats.filter(ok2xx).length;
      const u = beats.filter((b) => b.status === 0 || b.status === 502 || b.status === 504).length;
      acked += a;
      unknown += u;
      const views = Number(byId.get(s.id)?.page_views ?? -1);
      if (views < a) short += a - views;
      if (views > a + u) {
        over += views - a - u;
        overDetail.push(`${views - a - u} on a session answered ${details(beats.filter((b) => !ok2xx(b)))}`);
      }
    }
    check(
      short === 0 && over === 0,
      'page views answered 2xx are stored exactly',
      `${acked} acknowledged, ${short} missing, ${over} more than acknowledged (${unknown} without an answer)${overDetail.length ? `: ${overDetail.slice(0, 5).join('; ')}` : ''}`,
    );
  } finally {
    await db.end().catch(() => {});
  }
}

/** The registry's connections to the primary by application name (pg_stat_activity). */
async function connectionCounts(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string; n: number }>(
      "select application_name as name, count(*)::int as n from pg_stat_activity where datname = 'registry' and pid <> pg_backend_pid() group by 1 order by 1",
    );
    return rows.map((r) => `${r.name || '(none)'} ${r.n}`).join(', ');
  } finally {
    await client.end().catch(() => {});
  }
}

async function post(base: string, path: string, bearer: string, body: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10000),
  });
  const text = await response.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: response.status, json };
}

async function fetchJson(url: string): Promise<{ status: number; json: any }> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return { status: response.status, json: await response.json().catch(() => null) };
  } catch {
    return { status: 0, json: null };
  }
}

function pick(checks: Record<string, unknown> | null): Record<string, unknown> {
  if (!checks) return {};
  const { geo: _geo, geoError: _geoError, ...rest } = checks;
  return rest;
}

let killedAt = 0;
function details(answers: Answer[]): string {
  const counts: Record<string, number> = {};
  for (const a of answers) {
    const key =
      `${a.status} ${a.detail ?? ''}`.trim() + (a.status === 0 ? ` (at ${((a.sentAt - killedAt) / 1000).toFixed(1)} s from the kill)` : '');
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return JSON.stringify(counts);
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function countBy(values: number[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

let exitCode = 0;
try {
  await main();
} catch (error) {
  failures.push(`the run did not complete: ${(error as Error).stack ?? error}`);
  exitCode = 1;
}
if (cluster) {
  // What the instances logged at warn and above: kept with HA_KEEP_RECORD; internal errors are shown.
  for (const r of (cluster as Cluster).registries) {
    const output = r.proc.output();
    if (process.env.HA_KEEP_RECORD) {
      const file = path.join(tmpdir(), `sr-ha-${r.name}-${process.pid}.log`);
      writeFileSync(file, output);
      log(`${r.name} log in ${file}`);
    }
    const internal = output.split('\n').filter((line) => line.includes('"code":"internal"'));
    if (internal.length > 0) failures.push(`${r.name} logged ${internal.length} errors, the first: ${internal[0].slice(0, 1500)}`);
  }
}
const dir = cluster ? (cluster as Cluster).dir : null;
if (cluster) await (cluster as Cluster).stop();
receiver.close();
if (dir) {
  await sleep(500);
  const left = leftovers(dir);
  check(left.length === 0, 'nothing left running after the test', left.length ? left.join('; ') : 'none');
}
const wall = (Date.now() - startedAt) / 1000;
process.stdout.write(
  `\nSession Registry failover test, ${NODES} PostgreSQL nodes, ${new Date().toISOString()}, wall time ${wall.toFixed(0)} s\n`,
);
const width = Math.max(...rows.map((r) => r[1].length));
for (const [status, what, value] of rows) process.stdout.write(`  ${status.padEnd(6)} ${what.padEnd(width)}  ${value}\n`);
if (failures.length > 0) {
  process.stdout.write(`\n${failures.length} failed:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
  exitCode = 1;
}
process.exit(exitCode);
