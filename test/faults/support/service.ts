import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createSigner } from 'fast-jwt';
import { TEST_SECRET } from '../../helper.js';
import { request, sleep } from './http.js';

// The registry as operators run it: a separate process (`node --import tsx src/server.ts`) in
// production mode, reached over TCP, stopped with real signals.

export interface Service {
  url: string;
  child: ChildProcess;
  pid: number;
  /** The last part of stdout and stderr (bounded: a loaded service logs a lot). */
  output(): string;
  /** Log lines that report an internal (500) error since start. */
  internalErrors(): number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Resident memory of the process in bytes (Linux), or null once it has exited. */
  rssBytes(): number | null;
  kill(signal?: NodeJS.Signals): void;
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

const KEEP = 256 * 1024;

export async function startService(
  env: Record<string, string | undefined>,
  options: { entry?: string; readyTimeoutMs?: number } = {},
): Promise<Service> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', options.entry ?? 'src/server.ts'], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      JWT_SECRET: TEST_SECRET,
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  let internal = 0;
  const take = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    internal += text.split('"code":"internal"').length - 1;
    tail = (tail + text).slice(-KEEP);
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const url = `http://127.0.0.1:${port}`;
  const service: Service = {
    url,
    child,
    pid: child.pid as number,
    output: () => tail,
    internalErrors: () => internal,
    exited,
    rssBytes() {
      if (child.exitCode !== null || child.signalCode !== null) return null;
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
        return kb ? Number(kb) * 1024 : null;
      } catch {
        return null;
      }
    },
    kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the service exited during start (code ${child.exitCode}): ${tail.slice(-2000)}`);
    const probe = await request(url, { path: '/readyz', timeoutMs: 2000 });
    if (probe.status === 200) return service;
    if (Date.now() > deadline) {
      service.kill();
      throw new Error(`the service did not become ready: ${tail.slice(-2000)}`);
    }
    await sleep(100);
  }
}

/** A service JWT signed with the test secret (the spawned services use it as JWT_SECRET). */
export function signServiceToken(scope = 'sessions:read sessions:write', claims: Record<string, unknown> = {}, key = TEST_SECRET): string {
  const now = Math.floor(Date.now() / 1000);
  return createSigner({ key, algorithm: 'HS256' })({
    iss: 'session-registry',
    aud: 'session-registry',
    exp: now + 3600,
    sub: 'faults',
    scope,
    ...claims,
  });
}
