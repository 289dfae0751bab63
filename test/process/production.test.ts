import t from 'tap';
import { execFileSync } from 'node:child_process';
import { createTestDatabase, until } from '../helper.js';
import { listeningUrl, run, waitFor } from './helpers.js';
import { imageRuntime, parseImageRuntime } from '../../scripts/image.js';

t.test('the image starts the compiled build with NODE_ENV=production and a heap limit', async (t) => {
  const image = imageRuntime();
  t.same(image.command, ['node', 'dist/src/server.js']);
  t.equal(image.env.NODE_ENV, 'production');
  t.match(image.env.NODE_OPTIONS, /--max-old-space-size=\d+/);
  t.equal(image.env.HOST, '0.0.0.0', 'listens beyond the container');
});

t.test('the Dockerfile reader takes the last stage, continued lines and quoted values', async (t) => {
  const parsed = parseImageRuntime(
    [
      'FROM a AS build',
      'ENV NODE_ENV=development',
      'CMD ["node", "build.js"]',
      'FROM b',
      '# ENV IGNORED=1',
      'ENV A=1 \\',
      '    B="two words" \\',
      '    C=',
      'CMD ["node", "x.js"]',
    ].join('\n'),
  );
  t.same(parsed, { env: { A: '1', B: 'two words', C: '' }, command: ['node', 'x.js'] });
  t.throws(() => parseImageRuntime('FROM a\nCMD node x.js\n'), /exec form/);
});

// Build it and run it the way the image does: its CMD, with its environment.
t.test('the compiled production build starts, migrates, serves and stops', async (t) => {
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'pipe' });
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const secret = 'production-secret-with-enough-bytes-0123456789';
  const [program, ...args] = imageRuntime().command;
  t.equal(program, 'node');
  const server = run(process.execPath, args, {
    ...imageRuntime().env,
    HOST: '127.0.0.1',
    DATABASE_URL: db.url,
    JWT_SECRET: secret,
    PORT: '0',
    LOG_LEVEL: 'info',
  });
  t.teardown(() => server.child.kill('SIGKILL'));
  const base = await waitFor(() => listeningUrl(server.stdout()), 30000, 'the production server');
  t.notMatch(server.stdout(), /export TOKEN/, 'no development token is printed in production');
  // Ready as an orchestrator sees it: polled (start-up may briefly shed load on a busy machine).
  t.ok(await until(async () => (await fetch(`${base}/readyz`)).status === 200, 15000), 'ready');
  const token = execFileSync(
    process.execPath,
    ['--import', 'tsx', 'scripts/token.ts', '--scope', 'sessions:write', '--sub', 'ops', '--ttl', '5m'],
    {
      env: { ...process.env, JWT_SECRET: secret, NODE_ENV: 'production', DATABASE_URL: db.url },
      encoding: 'utf8',
    },
  ).trim();
  t.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'the token command prints one JWT and nothing else');
  const created = await fetch(`${base}/v1/sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ userId: 'prod-user' }),
  });
  t.equal(created.status, 201);
  const lines = server.stdout().trim().split('\n');
  t.ok(
    lines.every((line) => line.startsWith('{')),
    'logs are JSON lines',
  );
  server.child.kill('SIGTERM');
  t.equal((await server.exited).code, 0);
});
