// A high-availability cluster on this machine, on loopback and ports of its own: etcd, two or three
// PostgreSQL 15 nodes under Patroni (synchronous replication), HAProxy with a read-write frontend
// routed by Patroni's /primary check, and registry instances behind a second HAProxy frontend.
// Everything but the registries runs as the postgres user, each in its own process group, so that
// stop() (and a hard exit of this process) leaves nothing running.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const PG_BIN = process.env.HA_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const SCOPE = 'sr-ha';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface Proc {
  name: string;
  child: ChildProcess;
  pid: number;
  output(): string;
}

export interface PgNode {
  name: string;
  pgPort: number;
  apiPort: number;
  dataDir: string;
  configFile: string;
  patroni: Proc | null;
}

export interface Registry {
  name: string;
  port: number;
  url: string;
  proc: Proc;
}

export interface ClusterOptions {
  nodes?: number;
  registries?: number;
  /** Extra environment for the registry instances. */
  registryEnv?: Record<string, string>;
  log?: (line: string) => void;
}

export interface Cluster {
  dir: string;
  etcdUrl: string;
  nodes: PgNode[];
  /** HAProxy's read-write PostgreSQL port (routed to the primary). */
  rwPort: number;
  databaseUrl: string;
  /** HAProxy's frontend in front of the registry instances. */
  frontUrl: string;
  statsUrl: string;
  registries: Registry[];
  leader(): Promise<PgNode | null>;
  memberStates(): Promise<Array<{ name: string; role: string; state: string; lag?: unknown }>>;
  /** Kills the node's Patroni and postmaster together with SIGKILL. */
  killNode(node: PgNode): Promise<void>;
  startNode(node: PgNode): Promise<void>;
  switchover(from: PgNode, to: PgNode): string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) {
    const port = await freePort();
    if (port !== 5432) ports.add(port);
  }
  return [...ports];
}

function postgresIds(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('there is no postgres user on this machine (apt-get install postgresql-15)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

const running = new Set<Proc>();
let hardExitDirs: string[] = [];

process.on('exit', () => {
  for (const proc of running) killGroup(proc, 'SIGKILL');
  for (const dir of hardExitDirs) {
    killPostgresUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  }
});

function killGroup(proc: Proc, signal: NodeJS.Signals) {
  try {
    process.kill(-proc.pid, signal);
  } catch {
    // Already gone.
  }
}

/** SIGKILLs every postgres process whose data directory lies under `dir` (never any other). */
export function killPostgresUnder(dir: string) {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!cmdline[0]?.endsWith('/postgres')) continue;
      const dataArg = cmdline.indexOf('-D');
      const dataDir = dataArg >= 0 ? cmdline[dataArg + 1] : '';
      if (dataDir && dataDir.startsWith(dir + path.sep)) process.kill(Number(entry), 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
  // Backends (whose command lines no longer name the data directory) follow their postmaster's death
  // by themselves; their cwd is the data directory, so they are found that way too.
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      const exe = readlinkSync(`/proc/${entry}/exe`);
      if (exe.endsWith('/postgres') && cwd.startsWith(dir + path.sep)) process.kill(Number(entry), 'SIGKILL');
    } catch {
      // Gone, or not ours to read.
    }
  }
}

function launch(
  name: string,
  command: string,
  args: string[],
  options: { asPostgres: boolean; env?: Record<string, string>; cwd?: string; keepBytes?: number },
): Proc {
  const ids = options.asPostgres ? postgresIds() : null;
  const child = spawn(command, args, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...(options.env ?? {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    ...(ids ? { uid: ids.uid, gid: ids.gid } : {}),
  });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-(options.keepBytes ?? 64 * 1024));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const proc: Proc = { name, child, pid: child.pid as number, output: () => tail };
  running.add(proc);
  child.once('exit', () => running.delete(proc));
  return proc;
}

async function stopProc(proc: Proc | null, graceMs = 10000) {
  if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) {
    if (proc) killGroup(proc, 'SIGKILL');
    return;
  }
  const exited = new Promise<void>((resolve) => proc.child.once('exit', () => resolve()));
  killGroup(proc, 'SIGTERM');
  const timer = setTimeout(() => killGroup(proc, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  killGroup(proc, 'SIGKILL'); // anything left in its group
}

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs: number, proc?: Proc): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc && proc.child.exitCode !== null)
      throw new Error(`${proc.name} exited while waiting for ${what}: ${proc.output().slice(-3000)}`);
    try {
      const value = await probe();
      if (value) return value;
    } catch {
      // Not yet.
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${proc ? `: ${proc.output().slice(-3000)}` : ''}`);
    await sleep(200);
  }
}

async function httpStatus(url: string, timeoutMs = 1000): Promise<number> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

function patroniConfig(dir: string, node: PgNode, etcdPort: number): string {
  return `scope: ${SCOPE}
namespace: /service/
name: ${node.name}
log:
  level: WARNING
restapi:
  listen: 127.0.0.1:${node.apiPort}
  connect_address: 127.0.0.1:${node.apiPort}
etcd3:
  hosts: 127.0.0.1:${etcdPort}
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 1
    retry_timeout: 4
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        wal_level: replica
        hot_standby: 'on'
        max_wal_senders: 10
        max_replication_slots: 10
        wal_log_hints: 'on'
        max_connections: 200
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
postgresql:
  listen: 127.0.0.1:${node.pgPort}
  connect_address: 127.0.0.1:${node.pgPort}
  data_dir: ${node.dataDir}
  bin_dir: ${PG_BIN}
  pgpass: ${path.join(dir, node.name, 'pgpass')}
  authentication:
    superuser:
      username: postgres
      password: postgres
    replication:
      username: replicator
      password: replicator
    rewind:
      username: postgres
      password: postgres
  pg_hba:
    - local all all trust
    - host all all 127.0.0.1/32 trust
    - host replication all 127.0.0.1/32 trust
  parameters:
    unix_socket_directories: '${path.join(dir, node.name)}'
    shared_buffers: 64MB
    fsync: 'on'
    synchronous_commit: 'on'
tags:
  nofailover: false
  noloadbalance: false
  clonefrom: false
`;
}

function haproxyConfig(
  dir: string,
  nodes: PgNode[],
  rwPort: number,
  frontPort: number,
  statsPort: number,
  registries: Array<{ name: string; port: number }>,
): string {
  const pgServers = nodes.map((n) => `  server ${n.name} 127.0.0.1:${n.pgPort} maxconn 200 check port ${n.apiPort}`).join('\n');
  const appServers = registries.map((r) => `  server ${r.name} 127.0.0.1:${r.port} check`).join('\n');
  return `global
  maxconn 4000
  pidfile ${path.join(dir, 'haproxy.pid')}

defaults
  timeout connect 2s
  timeout client 30m
  timeout server 30m
  timeout check 1s

listen postgres_rw
  bind 127.0.0.1:${rwPort}
  mode tcp
  option httpchk GET /primary
  http-check expect status 200
  default-server inter 500ms fall 2 rise 1 on-marked-down shutdown-sessions
${pgServers}

frontend registry
  bind 127.0.0.1:${frontPort}
  mode http
  # Idle keep-alive connections are closed only after 10 minutes: a client's request racing the
  # close of a connection it is reusing would otherwise see a reset.
  timeout client 10m
  timeout http-keep-alive 10m
  default_backend registry_instances

backend registry_instances
  mode http
  timeout server 60s
  balance roundrobin
  # Liveness, not readiness: an instance that cannot reach the database still answers what it can
  # (heartbeats of cached sessions, clean 503s for the rest), so it stays in rotation. A loaded
  # machine can take seconds to answer a check: five misses of 5 s before it is taken out.
  option httpchk GET /healthz
  timeout check 5s
  default-server inter 2s fall 5 rise 1
  http-response set-header X-Served-By %s
${appServers}

listen stats
  bind 127.0.0.1:${statsPort}
  mode http
  stats enable
  stats uri /
  stats refresh 2s
`;
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const log = options.log ?? (() => {});
  const nodeCount = options.nodes ?? 2;
  const registryCount = options.registries ?? 2;
  for (const binary of ['etcd', 'patroni', 'haproxy']) {
    try {
      execFileSync('which', [binary], { stdio: 'ignore' });
    } catch {
      throw new Error(`${binary} is not installed (apt-get install patroni etcd-server haproxy)`);
    }
  }
  const ids = postgresIds();
  const dir = mkdtempSync(path.join(tmpdir(), 'sr-ha-'));
  chmodSync(dir, 0o755);
  chownSync(dir, ids.uid, ids.gid);
  hardExitDirs.push(dir);
  const procs: Proc[] = [];
  const registries: Registry[] = [];
  const ports = await freePorts(4 + nodeCount * 2 + registryCount);
  const [etcdPort, etcdPeerPort, rwPort, frontPort] = ports;
  const statsPort = await freePort();
  const nodes: PgNode[] = Array.from({ length: nodeCount }, (_, i) => {
    const name = `pg${i + 1}`;
    mkdirSync(path.join(dir, name), { mode: 0o700 });
    chownSync(path.join(dir, name), ids.uid, ids.gid);
    return {
      name,
      pgPort: ports[4 + i * 2],
      apiPort: ports[5 + i * 2],
      dataDir: path.join(dir, name, 'data'),
      configFile: path.join(dir, name, 'patroni.yml'),
      patroni: null,
    };
  });
  const registryPorts = ports.slice(4 + nodeCount * 2);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const r of registries) await stopProc(r.proc, 15000);
    for (const node of nodes) await stopProc(node.patroni, 20000);
    for (const proc of procs) await stopProc(proc, 5000);
    killPostgresUnder(dir);
    await sleep(200);
    killPostgresUnder(dir);
    rmSync(dir, { recursive: true, force: true });
    hardExitDirs = hardExitDirs.filter((d) => d !== dir);
  };

  const startNode = async (node: PgNode) => {
    node.patroni = launch(`patroni ${node.name}`, 'patroni', [node.configFile], { asPostgres: true, cwd: dir, env: { HOME: dir } });
  };

  try {
    log(`cluster directory ${dir}`);
    mkdirSync(path.join(dir, 'etcd'), { mode: 0o700 });
    chownSync(path.join(dir, 'etcd'), ids.uid, ids.gid);
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const etcd = launch(
      'etcd',
      'etcd',
      [
        '--name',
        'ha',
        '--data-dir',
        path.join(dir, 'etcd'),
        '--listen-client-urls',
        etcdUrl,
        '--advertise-client-urls',
        etcdUrl,
        '--listen-peer-urls',
        `http://127.0.0.1:${etcdPeerPort}`,
        '--initial-advertise-peer-urls',
        `http://127.0.0.1:${etcdPeerPort}`,
        '--initial-cluster',
        `ha=http://127.0.0.1:${etcdPeerPort}`,
        '--initial-cluster-state',
        'new',
        '--log-level',
        'warn',
      ],
      { asPostgres: true, cwd: dir },
    );
    procs.push(etcd);
    await waitFor('etcd', async () => (await httpStatus(`${etcdUrl}/health`)) === 200, 30000, etcd);
    log(`etcd ${etcdUrl}`);

    for (const node of nodes) {
      writeFileSync(node.configFile, patroniConfig(dir, node, etcdPort), { mode: 0o600 });
      chownSync(node.configFile, ids.uid, ids.gid);
    }
    // The first node bootstraps; the others clone from it once it leads.
    await startNode(nodes[0]);
    await waitFor(
      `${nodes[0].name} to lead`,
      async () => (await httpStatus(`http://127.0.0.1:${nodes[0].apiPort}/primary`)) === 200,
      90000,
      nodes[0].patroni as Proc,
    );
    for (const node of nodes.slice(1)) await startNode(node);
    for (const node of nodes.slice(1)) {
      await waitFor(
        `${node.name} to stream`,
        async () => (await httpStatus(`http://127.0.0.1:${node.apiPort}/replica`)) === 200,
        120000,
        node.patroni as Proc,
      );
    }
    log(`PostgreSQL nodes ${nodes.map((n) => `${n.name} 127.0.0.1:${n.pgPort} (REST ${n.apiPort})`).join(', ')}`);

    const registrySpecs = registryPorts.map((port, i) => ({ name: `registry${i + 1}`, port }));
    const haCfg = path.join(dir, 'haproxy.cfg');
    writeFileSync(haCfg, haproxyConfig(dir, nodes, rwPort, frontPort, statsPort, registrySpecs));
    chownSync(haCfg, ids.uid, ids.gid);
    const haproxy = launch('haproxy', 'haproxy', ['-db', '-f', haCfg], { asPostgres: true, cwd: dir });
    procs.push(haproxy);
    const adminUrl = `postgres://postgres:postgres@127.0.0.1:${rwPort}/postgres`;
    // HAProxy counts its servers up until checks say otherwise: give the replicas' checks time to fail.
    await sleep(1500);
    await waitFor(
      'HAProxy to reach the primary',
      async () => {
        const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 1000 });
        client.on('error', () => {});
        try {
          await client.connect();
          const { rows } = await client.query<{ r: boolean }>('select pg_is_in_recovery() as r');
          return rows[0].r === false;
        } finally {
          await client.end().catch(() => {});
        }
      },
      30000,
      haproxy,
    );
    const admin = new pg.Client({ connectionString: adminUrl });
    admin.on('error', () => {});
    await admin.connect();
    await admin.query('create database registry');
    await admin.end();
    const databaseUrl = `postgres://postgres:postgres@127.0.0.1:${rwPort}/registry`;
    log(`HAProxy read-write ${databaseUrl}`);

    // One instance at a time, so that the first runs the migrations alone.
    for (const spec of registrySpecs) {
      const proc = launch(spec.name, process.execPath, ['--import', 'tsx', 'src/server.ts'], {
        asPostgres: false,
        keepBytes: 4 * 1024 * 1024,
        env: {
          NODE_ENV: 'production',
          LOG_LEVEL: 'warn',
          ...(options.registryEnv ?? {}),
          DATABASE_URL: databaseUrl,
          HOST: '127.0.0.1',
          PORT: String(spec.port),
        },
      });
      const url = `http://127.0.0.1:${spec.port}`;
      await waitFor(`${spec.name} to be ready`, async () => (await httpStatus(`${url}/readyz`, 2000)) === 200, 90000, proc);
      registries.push({ name: spec.name, port: spec.port, url, proc });
    }
    const frontUrl = `http://127.0.0.1:${frontPort}`;
    await waitFor('HAProxy to reach the registries', async () => (await httpStatus(`${frontUrl}/healthz`)) === 200, 30000, haproxy);

    const memberStates = async () => {
      for (const node of nodes) {
        try {
          const response = await fetch(`http://127.0.0.1:${node.apiPort}/cluster`, { signal: AbortSignal.timeout(1000) });
          if (response.ok) {
            const body = (await response.json()) as { members: Array<{ name: string; role: string; state: string; lag?: unknown }> };
            return body.members;
          }
        } catch {
          // Try the next node.
        }
      }
      return [];
    };
    return {
      dir,
      etcdUrl,
      nodes,
      rwPort,
      databaseUrl,
      frontUrl,
      statsUrl: `http://127.0.0.1:${statsPort}/`,
      registries,
      memberStates,
      async leader() {
        for (const node of nodes) if ((await httpStatus(`http://127.0.0.1:${node.apiPort}/primary`, 500)) === 200) return node;
        return null;
      },
      async killNode(node) {
        let postmaster = 0;
        try {
          postmaster = Number(readFileSync(path.join(node.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
        } catch {
          // No postmaster running.
        }
        if (node.patroni) process.kill(node.patroni.pid, 'SIGKILL');
        if (postmaster > 0) process.kill(postmaster, 'SIGKILL');
      },
      startNode,
      switchover(from, to) {
        return execFileSync(
          'patronictl',
          ['-c', from.configFile, 'switchover', SCOPE, '--leader', from.name, '--candidate', to.name, '--force'],
          {
            encoding: 'utf8',
            uid: ids.uid,
            gid: ids.gid,
            cwd: dir,
            env: { ...process.env, HOME: dir },
          },
        );
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** What this machine still runs that a cluster could have started (for a check after stop). */
export function leftovers(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmdline.includes(dir)) found.push(`${entry} ${cmdline.trim()}`);
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}
