import t from 'tap';
import { execFileSync } from 'node:child_process';
import { createTestDatabase } from '../helper.js';
import { listeningUrl, run, waitFor } from './helpers.js';

// The image runs `node dist/src/server.js` with NODE_ENV=production: build it and run it that way.
t.test('the compiled production build starts, migrates, serves and stops', async (t) => {
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'pipe' });
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const secret = 'production-secret-with-enough-bytes-0123456789';
  const server = run(process.execPath, ['dist/src/server.js'], { NODE_ENV: 'production', DATABASE_URL: db.url, JWT_SECRET: secret, PORT: '0', LOG_LEVEL: 'info' });
  t.teardown(() => server.child.kill('SIGKILL'));
  const base = await waitFor(() => listeningUrl(server.stdout()), 30000, 'the production server');
  t.notMatch(server.stdout(), /export TOKEN/, 'no development token is printed in production');
  t.equal((await fetch(`${base}/readyz`)).status, 200);
  const token = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/token.ts', '--scope', 'sessions:write', '--sub', 'ops', '--ttl', '5m'], {
    env: { ...process.env, JWT_SECRET: secret, NODE_ENV: 'production', DATABASE_URL: db.url },
    encoding: 'utf8',
  }).trim();
  t.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'the token command prints one JWT and nothing else');
  const created = await fetch(`${base}/v1/sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ userId: 'prod-user' }),
  });
  t.equal(created.status, 201);
  const lines = server.stdout().trim().split('\n');
  t.ok(lines.every((line) => line.startsWith('{')), 'logs are JSON lines');
  server.child.kill('SIGTERM');
  t.equal((await server.exited).code, 0);
});
