import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger.js';

// What a run that did not stop its embedded PostgreSQL leaves behind, and how the next start
// deals with it. postmaster.pid holds the server's pid (line 1) and its data directory (line 2).
//
// - The pid is a live postgres on this data directory, whose parent is gone (it was orphaned when
//   node was killed): we stop it cleanly and start our own. We do not reuse it: a server nobody
//   started cannot be waited on as a child, its log goes nowhere, its port and settings are those
//   of an older start (perhaps an older version); a fast shutdown loses nothing committed and
//   costs a second, and one rule stays true: the process that started the database stops it.
// - The same, but its parent is a live node process: another start is using this data directory
//   right now. We refuse, and say so, rather than pull the database from under it.
// - Any other pid (dead, a zombie, or reused by an unrelated process): the lock file is stale.
//   PostgreSQL removes a stale one itself only when the pid is dead and its kill(pid, 0) says so;
//   run as the postgres user beside a reused pid of another user it sees EPERM and refuses. We
//   remove it, as PostgreSQL would if it could tell.

const LOCK_FILE = 'postmaster.pid';
const STOP_WAIT_MS = 30000;
const IMMEDIATE_WAIT_MS = 10000;

interface ProcessInfo {
  zombie: boolean;
  ppid: number;
  args: string[];
  cwd: string | null;
}

export async function clearLeftover(dataDir: string, logger: Logger): Promise<void> {
  const lockFile = path.join(dataDir, LOCK_FILE);
  let lines: string[];
  try {
    lines = readFileSync(lockFile, 'utf8').split('\n');
  } catch {
    return;
  }
  const pid = Number(lines[0]);
  // An empty or torn file (a crash while it was written): PostgreSQL explains that case itself.
  if (!Number.isInteger(pid) || pid <= 0) return;
  const info = inspect(pid);
  if (info === null || info.zombie || !servesDataDir(info, lines[1] ?? '', dataDir)) {
    rmSync(lockFile, { force: true });
    logger.warn({ dataDir, pid }, 'removed a stale PostgreSQL lock file left by a run that was killed');
    return;
  }
  const parent = info.ppid > 1 ? inspect(info.ppid) : null;
  if (parent !== null && !parent.zombie && /^node/.test(path.basename(parent.args[0] ?? ''))) {
    throw new Error(
      `the embedded PostgreSQL in ${dataDir} (pid ${pid}) is in use by process ${info.ppid}, another start on the same data directory; stop it, or set DATA_DIR to another directory`,
    );
  }
  logger.warn({ dataDir, pid }, 'stopping the embedded PostgreSQL left running by a run that was killed');
  process.kill(pid, 'SIGINT');
  if (await exited(pid, STOP_WAIT_MS)) return;
  logger.warn({ dataDir, pid }, 'the leftover PostgreSQL did not stop in order; stopping it at once');
  process.kill(pid, 'SIGQUIT');
  if (await exited(pid, IMMEDIATE_WAIT_MS)) return;
  throw new Error(`the PostgreSQL left running in ${dataDir} (pid ${pid}) does not stop; stop it by hand`);
}

/** A postgres whose data directory (as the lock file and its own command line or working directory say) is ours. */
function servesDataDir(info: ProcessInfo, lockedDir: string, dataDir: string): boolean {
  if (path.basename(info.args[0] ?? '') !== 'postgres') return false;
  const ours = real(dataDir);
  if (real(lockedDir) !== ours) return false;
  const flag = info.args.indexOf('-D');
  if (flag >= 0 && info.args[flag + 1] !== undefined) return real(info.args[flag + 1]) === ours;
  return info.cwd !== null && real(info.cwd) === ours;
}

function real(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return path.resolve(dir);
  }
}

async function exited(pid: number, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  for (;;) {
    const info = inspect(pid);
    if (info === null || info.zombie) return true;
    if (performance.now() >= end) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The process as /proc (Linux) or ps (elsewhere) shows it; null when there is none. */
function inspect(pid: number): ProcessInfo | null {
  if (existsSync('/proc/self/stat')) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      let cwd: string | null = null;
      try {
        cwd = readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        // Another user's process: its command line is enough.
      }
      return { zombie: fields[0] === 'Z' || fields[0] === 'X', ppid: Number(fields[1]), args, cwd };
    } catch {
      return null;
    }
  }
  try {
    const line = execFileSync('ps', ['-o', 'stat=', '-o', 'ppid=', '-o', 'args=', '-p', String(pid)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    const match = /^(\S+)\s+(\d+)\s+(.*)$/.exec(line);
    return match ? { zombie: match[1].startsWith('Z'), ppid: Number(match[2]), args: match[3].split(' '), cwd: null } : null;
  } catch {
    return null;
  }
}
