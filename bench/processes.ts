// Child processes of the harness: the servers under test. Every one is tracked so that it is
// stopped when the harness ends, however it ends.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { freePort } from '../src/db/embedded.js';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..');

export interface Service {
  name: string;
  child: ChildProcess;
  pid: number;
  url: string;
  port: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last few KB of stderr and stdout, for error messages. */
  output(): string;
}

const running = new Set<ChildProcess>();
const syncCleanups = new Set<() => void>();

/** Something to run synchronously if the harness exits without its normal clean-up. */
export function onHardExit(cleanup: () => void): () => void {
  syncCleanups.add(cleanup);
  return () => syncCleanups.delete(cleanup);
}

process.on('exit', () => {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  for (const cleanup of syncCleanups) {
    try {
      cleanup();
    } catch {
      // Best effort while exiting.
    }
  }
});

export { freePort };

/** Starts `node <script>` (through tsx for TypeScript) on a free port and waits until `readyPath` answers 200. */
export async function startService(options: {
  name: string;
  script: string;
  env: Record<string, string>;
  readyPath: string;
  nodeArgs?: string[];
}): Promise<Service> {
  const port = await freePort();
  const loader = options.script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...loader, options.script], {
    cwd: ROOT,
    env: { ...process.env, ...options.env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const service: Service = { name: options.name, child, pid: child.pid as number, url, port, exited, output: () => output };
  const deadline = Date.now() + 30000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${options.name} exited during start-up (${child.exitCode ?? child.signalCode}): ${output.trim().slice(-1500)}`);
    }
    try {
      const response = await fetch(`${url}${options.readyPath}`, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.status === 200) return service;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${options.name} did not become ready within 30 s: ${output.trim().slice(-1500)}`);
    }
    await sleep(100);
  }
}

/** Sends `signal` and waits for the exit; kills it after `graceMs`. */
export async function stopService(service: Service, signal: NodeJS.Signals = 'SIGTERM', graceMs = 15000) {
  const { child } = service;
  if (child.exitCode === null && child.signalCode === null) {
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      return await service.exited;
    } finally {
      clearTimeout(timer);
    }
  }
  return service.exited;
}

/** Resident set size of a process in bytes (VmRSS), or null once it has gone. */
export function rssBytes(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** User plus system CPU time a process has used, in ms (Linux clock ticks are 10 ms). */
export function cpuMs(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
