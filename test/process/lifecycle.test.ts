import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { listeningUrl, run, waitFor, type Running } from './helpers.js';

// `npm start` as a terminal runs it: in a process group of its own, so a Ctrl-C (SIGINT to the
// whole group) reaches npm and node both, and npm forwards it to node once more.

// Each start runs initdb or PostgreSQL's start, the migrations and the GeoIP loads: seconds on
// an idle machine, tens of seconds on a loaded one. This file starts the service four times.
t.setTimeout(600000);

const USER_AGENT = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

function dataDirectory(t: Test): { dir: string; lockFile: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'registry-life-'));
  chmodSync(dir, 0o755); // reachable by the postgres user when the suite runs as root
  const lockFile = path.join(dir, 'pg', 'postmaster.pid');
  t.teardown(() => {
    // Whatever a failing run left: its server, then its files.
    const pid = lockedPid(lockFile);
    if (pid !== null && alive(pid)) process.kill(pid, 'SIGQUIT');
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, lockFile };
}

function lockedPid(lockFile: string): number | null {
  return existsSync(lockFile) ? Number(readFileSync(lockFile, 'utf8').split('\n')[0]) : null;
}

/** Running, and not a zombie waiting for a parent to reap it. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = spawnSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim();
  return stat !== '' && !stat.startsWith('Z');
}

function parentOf(pid: number): number {
  return Number(spawnSync('ps', ['-o', 'ppid=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim());
}

async function start(t: Test, dir: string): Promise<{ server: Running; base: string; token: string }> {
  // Shedding off: a start-up on a saturated test machine can block the loop long enough to trip it.
  const env = { DATABASE_URL: undefined, DATA_DIR: dir, PORT: '0', NODE_ENV: undefined, LOG_LEVEL: 'info', MAX_EVENT_LOOP_DELAY_MS: '0' };
  const server = run('npm', ['start', '--silent'], env, { group: true });
  t.teardown(() => {
    try {
      process.kill(-(server.child.pid as number), 'SIGKILL');
    } catch {
      // Already gone.
    }
  });
  const base = await waitFor(
    () => listeningUrl(server.stdout()) ?? (server.child.exitCode !== null ? 'exited' : null),
    90000,
    'the server to listen',
  );
  if (base === 'exited') throw new Error(`npm start exited: ${server.stderr()}${server.stdout()}`);
  const token = await waitFor(() => /export TOKEN=(\S+)/.exec(server.stdout())?.[1], 5000, 'the printed token');
  return { server, base, token };
}

async function createSession(base: string, token: string, userId: string): Promise<string> {
  const created = await fetch(`${base}/v1/sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ userId, ip: '81.2.69.142', userAgent: USER_AGENT }),
  });
  if (created.status !== 201) throw new Error(`create: ${created.status} ${await created.text()}`);
  return ((await created.json()) as { session: { id: string } }).session.id;
}

async function sessionStatus(base: string, token: string, id: string): Promise<number> {
  return (await fetch(`${base}/v1/sessions/${id}`, { headers: { authorization: `Bearer ${token}` } })).status;
}

/** Ctrl-C: SIGINT to the whole group; then the exit code, and whether a postgres is left on the data directory. */
async function interrupt(t: Test, started: { server: Running }, lockFile: string): Promise<void> {
  const pid = lockedPid(lockFile);
  t.ok(pid !== null && alive(pid), 'the embedded PostgreSQL runs while the service does');
  process.kill(-(started.server.child.pid as number), 'SIGINT');
  const result = await started.server.exited;
  t.same(result, { code: 0, signal: null }, 'Ctrl-C exits 0');
  t.notOk(existsSync(lockFile), 'the embedded PostgreSQL removed its lock file');
  t.notOk(alive(pid as number), 'no postgres is left running on the data directory');
  t.notMatch(started.server.stdout() + started.server.stderr(), /shutdown did not finish/);
}

// One data directory through every case, so that the service starts four times rather than six.
t.test(
  'Ctrl-C stops the service and its PostgreSQL (exit 0); a stale lock file or a server left by a killed node does not stop the next start',
  async (t) => {
    const { dir, lockFile } = dataDirectory(t);

    const first = await start(t, dir);
    const id = await createSession(first.base, first.token, 'ctrl-c');
    const lock = readFileSync(lockFile, 'utf8');
    await interrupt(t, first, lockFile);

    // A stale lock file naming a pid reused by something else entirely: this test's own process.
    writeFileSync(lockFile, lock.replace(/^\d+/, String(process.pid)));
    const second = await start(t, dir);
    t.equal(
      await sessionStatus(second.base, second.token, id),
      200,
      'starts over a lock file naming a live unrelated process, and serves the data written before Ctrl-C',
    );
    t.ok(alive(process.pid));

    // A crash: node killed outright, leaving its PostgreSQL orphaned and holding the data directory.
    const postgres = lockedPid(lockFile) as number;
    const node = parentOf(postgres);
    process.kill(node, 'SIGKILL');
    await second.server.exited;
    await waitFor(() => parentOf(postgres) !== node, 10000, 'the postgres to be orphaned');
    t.ok(alive(postgres), 'the killed run left its PostgreSQL running');

    const third = await start(t, dir);
    t.match(third.server.stdout(), /stopping the embedded PostgreSQL left running by a run that was killed/);
    t.notOk(alive(postgres), 'the leftover server was stopped');
    t.equal(await sessionStatus(third.base, third.token, id), 200, 'the session written before the crash is served');
    await interrupt(t, third, lockFile);

    // A stale lock file naming a dead pid, as after a power cut.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout);
    t.notOk(alive(deadPid));
    writeFileSync(lockFile, lock.replace(/^\d+/, String(deadPid)));
    const fourth = await start(t, dir);
    t.equal(await sessionStatus(fourth.base, fourth.token, id), 200, 'starts over a lock file naming a dead pid');
    await interrupt(t, fourth, lockFile);
  },
);
