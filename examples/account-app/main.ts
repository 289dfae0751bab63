// `npm run example`: the registry (embedded PostgreSQL unless DATABASE_URL is set) and the account
// demo beside it, both on 127.0.0.1. Ctrl-C stops both.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { buildAccountApp } from './app.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const port = Number(process.env.EXAMPLE_PORT ?? 3001);

const registry = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
  cwd: root,
  env: {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: process.env.REGISTRY_PORT ?? '0',
    DATA_DIR: process.env.DATA_DIR ?? '.data/example',
    // The demo backend calls the registry from 127.0.0.1 for its users: the registry takes the
    // user's address from the X-Forwarded-For it sends, and from no one else.
    TRUST_PROXY: '127.0.0.1',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});

const started = new Promise<{ url: string; token: string }>((resolve, reject) => {
  let url: string | null = null;
  const lines = createInterface({ input: registry.stdout });
  lines.on('line', (line) => {
    const listening = /listening on (http:\/\/[\d.]+:\d+)/.exec(line);
    const token = /export TOKEN=(\S+)/.exec(line);
    if (listening) url = listening[1];
    else if (token && url) resolve({ url, token: token[1] });
    else if (line.startsWith('{')) process.stdout.write(`${line}\n`);
  });
  registry.once('exit', (code) => reject(new Error(`the registry exited during start (code ${code})`)));
});

let stopping = false;
async function stop(code: number, app?: Awaited<ReturnType<typeof buildAccountApp>>) {
  if (stopping) return;
  stopping = true;
  await app?.close();
  if (registry.exitCode === null && registry.signalCode === null) {
    const exited = new Promise<number | null>((resolve) => registry.once('exit', resolve));
    registry.kill('SIGTERM');
    // A registry that did not stop in order (it stops its database even then) is a failed stop.
    if ((await exited) !== 0) code = 1;
  }
  process.exit(code);
}

try {
  const { url, token } = await started;
  const app = await buildAccountApp({ registryUrl: url, serviceToken: token });
  process.on('SIGINT', () => void stop(0, app));
  process.on('SIGTERM', () => void stop(0, app));
  registry.once('exit', (code) => {
    if (!stopping) process.stderr.write(`the registry stopped (code ${code})\n`);
    void stop(1, app);
  });
  const address = await app.listen({ host: '127.0.0.1', port });
  process.stdout.write(
    [
      '',
      `Account demo: ${address}  (registry: ${url})`,
      'Sign in with any name, then with the same name in a second browser or a private window:',
      'each lists the other, and either can sign the other out. Ctrl-C stops both.',
      '',
    ].join('\n'),
  );
} catch (error) {
  process.stderr.write(`the example could not start: ${(error as Error).message}\n`);
  await stop(1);
}
