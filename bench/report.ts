// The table printed at the end (and its markdown twin for docs/benchmarks.md), and results.json.
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchResult } from './enrich.js';
import type { HeartbeatFigures } from './heartbeat.js';
import type { ScaleFigures } from './scale.js';
import type { IncidentFigures } from './incidents.js';
import type { LatencyFigures } from './latency.js';
import type { LoadResult } from './load.js';
import { ROOT } from './processes.js';
import type { SigtermFigures } from './sigterm.js';
import type { VisibilityFigures } from './visibility.js';

export interface Machine {
  cpu: string;
  cores: number;
  ramGiB: number;
  node: string;
  fastify: string;
  postgres: string;
  date: string;
  /** One-minute load average before the run and at its end: other work on the machine skews figures. */
  loadAverage: { before: number; after: number };
}

export interface Results {
  machine: Machine;
  settings: { dataSet: string; rows: number; rounds: number; roundSeconds: number; database: string };
  latency: LatencyFigures;
  incidents?: IncidentFigures;
  heartbeat: HeartbeatFigures;
  visibility: VisibilityFigures;
  sigterm: SigtermFigures;
  enrich: BenchResult[];
  scale: ScaleFigures | null;
  totalSeconds: number;
}

export function machineInfo(postgres: string, loadBefore: number): Machine {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const cpu = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1].trim() ?? os.cpus()[0]?.model ?? 'unknown';
  const fastify = (JSON.parse(readFileSync(path.join(ROOT, 'node_modules/fastify/package.json'), 'utf8')) as { version: string }).version;
  return {
    cpu,
    cores: os.availableParallelism(),
    ramGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    fastify,
    postgres,
    date: new Date().toISOString().slice(0, 10),
    loadAverage: { before: Math.round(loadBefore * 100) / 100, after: Math.round(os.loadavg()[0] * 100) / 100 },
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const ms = (v: number) => (v < 10 ? v.toFixed(2) : v.toFixed(1));
const int = (v: number) => Math.round(v).toLocaleString('en-US');
const lat = (r: { p50: number; p99: number }) => `p50 ${ms(r.p50)} ms, p99 ${ms(r.p99)} ms`;
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const mark = (ok: boolean) => (ok ? 'met' : 'MISSED');

function throughput(rounds: LoadResult[]): { rps: number; text: string } {
  const rps = median(rounds.map((r) => r.rps));
  const p50 = median(rounds.map((r) => r.p50));
  const p99 = median(rounds.map((r) => r.p99));
  const failures = rounds.reduce((n, r) => n + (r.requests - r.ok) + r.errors, 0);
  return { rps, text: `${int(rps)} req/s (${lat({ p50, p99 })})${failures ? `, ${int(failures)} non-2xx/errors` : ''}` };
}

export function tableRows(r: Results): Array<[string, string, string]> {
  const rows: Array<[string, string, string]> = [];
  const hb = r.heartbeat;
  const registry = throughput(hb.rounds.registry);
  const bare = throughput(hb.rounds.bare);
  const naive = throughput(hb.rounds.naive);
  const n = hb.rounds.registry.length;
  rows.push([`Heartbeat, registry (50 connections, median of ${n} × ${r.settings.roundSeconds} s)`, registry.text, '']);
  rows.push(['Heartbeat, bare Fastify route (same schemas, no auth/state)', bare.text, '']);
  rows.push(['Heartbeat, naive (1 UPDATE per heartbeat, pool 10, NO auth: flattered)', naive.text, '']);
  const ratio = registry.rps / bare.rps;
  rows.push(['Registry ÷ bare Fastify', ratio.toFixed(2), `≥ 0.6 ${mark(ratio >= 0.6)}`]);
  const me = throughput(hb.rounds.me);
  const meList = throughput(hb.rounds.meList);
  rows.push(['User heartbeat, POST /v1/me/heartbeat (session token, rate limit on)', me.text, '']);
  rows.push(['User heartbeat ÷ bare Fastify', (me.rps / bare.rps).toFixed(2), `≥ 0.5 ${mark(me.rps / bare.rps >= 0.5)}`]);
  rows.push(['User list, GET /v1/me/sessions (5 sessions)', meList.text, '']);
  rows.push(['User list ÷ bare Fastify', (meList.rps / bare.rps).toFixed(2), `≥ 0.2 ${mark(meList.rps / bare.rps >= 0.2)}`]);
  rows.push(['Registry ÷ naive', (registry.rps / naive.rps).toFixed(2), '']);
  const cpu = (rounds: Array<{ serverCpuUsPerRequest: number | null }>) => {
    const values = rounds.map((x) => x.serverCpuUsPerRequest).filter((x): x is number => x !== null);
    return values.length ? `${Math.round(median(values))} µs` : 'n/a';
  };
  rows.push([
    'Server process CPU per heartbeat (median of rounds)',
    `registry ${cpu(hb.rounds.registry)}, user ${cpu(hb.rounds.me)}, bare ${cpu(hb.rounds.bare)}, naive ${cpu(hb.rounds.naive)} (+ PostgreSQL)`,
    '',
  ]);
  const tx = hb.transactions;
  rows.push([
    'DB transactions per heartbeat (steady state)',
    `${tx.perHeartbeat.toFixed(4)} (${int(tx.after - tx.before)} tx / ${int(tx.heartbeats)} heartbeats)`,
    `≤ 0.01 ${mark(tx.perHeartbeat <= 0.01)}`,
  ]);
  const l = r.latency;
  const failed = (x: LoadResult) => (x.requests - x.ok + x.errors ? `, ${int(x.requests - x.ok + x.errors)} non-2xx/errors` : '');
  rows.push([
    `Create session at ${l.create.targetRate} req/s, evenly paced (${int(l.create.rps)} req/s served)`,
    `${lat(l.create)}${failed(l.create)}`,
    `p99 ≤ 10 ms ${mark(l.create.p99 <= 10)}`,
  ]);
  if (l.createUnlimited) {
    rows.push([
      `Create session at ${l.createUnlimited.targetRate} req/s, evenly paced, no session limit (SESSION_MAX_PER_USER=0)`,
      `${lat(l.createUnlimited)}${failed(l.createUnlimited)}`,
      '',
    ]);
  }
  rows.push([
    `Create session at ${l.createBursts.targetRate} req/s via autocannon overallRate (1-s bursts)`,
    `${lat(l.createBursts)}${failed(l.createBursts)}`,
    '',
  ]);
  for (const item of l.list) {
    const target = item.sessionsPerUser === 1000 ? `p99 ≤ 10 ms ${mark(item.p99 <= 10)}` : '';
    rows.push([`List first page (50), user with ${int(item.sessionsPerUser)} active sessions`, lat(item), target]);
  }
  rows.push(['End one session (DELETE)', lat(l.revokeOne), '']);
  rows.push([`End all but one (user with 10; ${l.revokeOthers.revokedPerCall.toFixed(1)} ended per call)`, lat(l.revokeOthers), '']);
  const inc = r.incidents;
  if (inc) {
    rows.push([
      `Incident search by address, first page (50), across users (${int(inc.searchByAddress.matchesPerAddress)} sessions per address)`,
      `${lat(inc.searchByAddress)}${failed(inc.searchByAddress)}`,
      `p99 ≤ 50 ms ${mark(inc.searchByAddress.p99 <= 50)}`,
    ]);
    rows.push(['Incident search by /24 network, first page (50)', `${lat(inc.searchByNetwork)}${failed(inc.searchByNetwork)}`, '']);
    rows.push([
      `Bulk revoke by address, ${int(inc.bulkRevoke.sessions)} active sessions of many users`,
      `${(inc.bulkRevoke.ms / 1000).toFixed(1)} s (${int(inc.bulkRevoke.revoked)} ended)`,
      '',
    ]);
    rows.push([
      `Revoke all of one user with ${int(inc.revokeUser.sessions)} active sessions`,
      `${(inc.revokeUser.ms / 1000).toFixed(1)} s (${int(inc.revokeUser.revoked)} ended, ${int(inc.revokeUser.ids)} ids in the answer)`,
      '',
    ]);
  }
  const v = r.visibility;
  rows.push([
    `Revocation seen by another instance (${v.trials} trials)`,
    `p50 ${ms(v.p50)} ms, p99 ${ms(v.p99)} ms, max ${ms(v.max)} ms`,
    `p99 ≤ 50 ms ${mark(v.p99 <= 50)}`,
  ]);
  rows.push(['Stale answers on the revoking instance', `${v.sameInstanceStale} of ${v.trials}`, `0 ${mark(v.sameInstanceStale === 0)}`]);
  const s = r.sigterm;
  rows.push([
    'Page views after SIGTERM under load',
    `${int(s.written)} written / ${int(s.accepted)} answered 200 (exit ${s.exitCode}, ${int(s.shutdownMs)} ms)`,
    `exact ${mark(s.exact)}`,
  ]);
  const rssMb = hb.rssMaxBytes / 2 ** 20;
  rows.push([
    'Registry RSS under heartbeat load (max)',
    `${rssMb.toFixed(0)} MB (max over the whole run ${mb(Math.max(hb.rssRunMaxBytes, hb.rssMaxBytes))} MB${
      hb.memory ? `; V8 heap ${mb(hb.memory.heapTotal)} MB, external ${mb(hb.memory.external)} MB under load` : ''
    })`,
    `≤ 300 MB ${mark(rssMb <= 300)}`,
  ]);
  rows.push([
    'Event-loop delay p99 under heartbeat load (max of 1 s scrapes)',
    hb.eventLoopP99MaxSeconds === null ? 'n/a' : `${ms(hb.eventLoopP99MaxSeconds * 1000)} ms`,
    '',
  ]);
  for (const e of r.enrich) rows.push([`Enrichment: ${e.name}`, `${int(e.nsPerOp)} ns/op${e.detail ? ` (${e.detail})` : ''}`, '']);
  if (r.scale) rows.push(...scaleRows(r.scale));
  return rows;
}

export function scaleRows(s: ScaleFigures): Array<[string, string, string]> {
  const rows: Array<[string, string, string]> = [];
  const mb = (bytes: number) => Math.round(bytes / 1048576);
  const rows10m = int(s.rows);
  for (const p of s.points) {
    rows.push([
      `Heartbeat on a random one of ${int(p.sessions)} active sessions (${rows10m} rows; all cached / first round cold)`,
      `${int(Math.round(p.warm.rps))} req/s (p99 ${ms(p.warm.p99)} ms) / ${int(Math.round(p.cold.rps))} req/s (p99 ${ms(p.cold.p99)} ms); RSS ${mb(p.rssBytes)} MB`,
      '',
    ]);
  }
  const small = s.points.find((p) => p.sessions === 2_000);
  const large = s.points.find((p) => p.sessions === 1_000_000);
  if (small && large) {
    const ratio = large.warm.rps / small.warm.rps;
    rows.push(['Heartbeat, 1,000,000 active sessions ÷ 2,000', ratio.toFixed(2), `≥ 0.8 ${mark(ratio >= 0.8)}`]);
    rows.push([
      'RSS with 1,000,000 sessions cached (City and ASN data loaded)',
      `${mb(large.rssBytes)} MB (${int(large.cachedSessions ?? 0)} cached)`,
      `≤ 600 MB ${mark(mb(large.rssBytes) <= 600)}`,
    ]);
  }
  if (s.bytesPerSession !== null) {
    const [from, to] = s.points
      .map((p) => p.sessions)
      .sort((a, b) => a - b)
      .slice(-2);
    rows.push([
      `Memory per cached session (RSS slope, ${int(from)} → ${int(to)})`,
      `${int(Math.round(s.bytesPerSession))} bytes`,
      `≤ 300 ${mark(s.bytesPerSession <= 300)}`,
    ]);
  }
  rows.push([
    'First 1,000 requests after a start (heartbeats, 10 at a time, nothing cached)',
    `p50 ${ms(s.firstRequests.p50)} ms, p99 ${ms(s.firstRequests.p99)} ms`,
    `p99 ≤ 50 ms ${mark(s.firstRequests.p99 <= 50)}`,
  ]);
  const big = s.latency.list.find((l) => l.sessionsPerUser === 1000);
  if (big)
    rows.push([
      `List first page, user with 1,000 sessions, ${rows10m} rows`,
      `p50 ${ms(big.p50)} ms, p99 ${ms(big.p99)} ms`,
      `p99 ≤ 10 ms ${mark(big.p99 <= 10)}`,
    ]);
  const c = s.latency.create;
  rows.push([
    `Create session at 200 req/s, evenly paced, ${rows10m} rows`,
    `p50 ${ms(c.p50)} ms, p99 ${ms(c.p99)} ms`,
    `p99 ≤ 10 ms ${mark(c.p99 <= 10)}`,
  ]);
  return rows;
}

export function renderText(rows: Array<[string, string, string]>): string {
  const head: [string, string, string] = ['Figure', 'Measured', 'Target'];
  const widths = [0, 1, 2].map((i) => Math.max(...[head, ...rows].map((row) => row[i].length)));
  const line = (row: [string, string, string]) =>
    row
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function renderMarkdown(rows: Array<[string, string, string]>): string {
  const escape = (cell: string) => cell.replaceAll('|', '\\|');
  return ['| Figure | Measured | Target |', '|---|---|---|', ...rows.map((row) => `| ${row.map(escape).join(' | ')} |`)].join('\n');
}

export function machineLine(m: Machine, settings: Results['settings']): string {
  const busy =
    m.loadAverage.before > 1
      ? ' The machine was not idle when the run began (load average above 1): these figures may be pessimistic.'
      : '';
  return (
    `Measured ${m.date} on ${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM; Node ${m.node}, Fastify ${m.fastify}, ` +
    `PostgreSQL ${m.postgres} (${settings.database}); ${settings.dataSet}. Load generated on the same machine ` +
    `(1-min load average before the run: ${m.loadAverage.before.toFixed(2)}).${busy}`
  );
}

export function writeResults(results: Results): string {
  const file = path.join(ROOT, 'bench', 'results.json');
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}
