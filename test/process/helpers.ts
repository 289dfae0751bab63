import { spawn, type ChildProcess } from 'node:child_process';

export interface Running {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `group`: in a process group of its own, as a terminal starts a foreground command. */
export function run(command: string, args: string[], env: Record<string, string | undefined>, options: { group?: boolean } = {}): Running {
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.group ?? false,
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

export async function waitFor<T>(probe: () => T | undefined | null, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const value = probe();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The base URL a started server printed, from its pino log line or its banner. */
export function listeningUrl(text: string): string | null {
  const banner = /listening on (http:\/\/[\d.]+:\d+)/.exec(text);
  if (banner) return banner[1];
  const log = /"msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)"/.exec(text);
  return log ? log[1] : null;
}
