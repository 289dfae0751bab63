import t from 'tap';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { listeningUrl, run, waitFor } from './helpers.js';

// Black-box: `npm start` as a person runs it, with no DATABASE_URL (embedded PostgreSQL).
t.test('npm start with no configuration serves, stops on SIGTERM, and keeps its data', async (t) => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'registry-start-'));
  chmodSync(dataDir, 0o755); // reachable by the postgres user when the suite runs as root
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  // Shedding off: a start-up on a saturated test machine can block the loop long enough to trip it.
  const env = {
    DATABASE_URL: undefined,
    DATA_DIR: dataDir,
    PORT: '0',
    NODE_ENV: undefined,
    LOG_LEVEL: 'info',
    MAX_EVENT_LOOP_DELAY_MS: '0',
  };

  const first = run('npm', ['start', '--silent'], env);
  t.teardown(() => first.child.kill('SIGKILL'));
  const base = await waitFor(() => listeningUrl(first.stdout()), 90000, 'the server to listen');
  const token = await waitFor(() => /export TOKEN=(\S+)/.exec(first.stdout())?.[1], 1000, 'the printed token');
  t.match(first.stdout(), /curl -s -X POST/, 'prints a ready-to-paste curl line');
  const created = await fetch(`${base}/v1/sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ userId: 'persisted', ip: '81.2.69.142' }),
  });
  t.equal(created.status, 201);
  const { session } = (await created.json()) as { session: { id: string } };
  const logLines = (first.stdout() + first.stderr()).split('\n').filter((line) => line.startsWith('{'));
  t.ok(logLines.length > 3, 'logs are JSON lines');
  t.notOk(
    logLines.some((line) => line.includes(token.split('.')[2])),
    'the token is printed for the developer but never logged',
  );

  first.child.kill('SIGTERM');
  const stopped = await first.exited;
  t.equal(stopped.code, 0, 'exits cleanly on SIGTERM');

  const second = run('npm', ['start', '--silent'], env);
  t.teardown(() => second.child.kill('SIGKILL'));
  const base2 = await waitFor(() => listeningUrl(second.stdout()), 90000, 'the restarted server');
  const again = await fetch(`${base2}/v1/sessions/${session.id}`, { headers: { authorization: `Bearer ${token}` } });
  t.equal(again.status, 200, 'the session and the development secret survived the restart');
  second.child.kill('SIGINT');
  t.equal((await second.exited).code, 0, 'exits cleanly on SIGINT');
});

t.test('an invalid variable stops the process with its name', async (t) => {
  const bad = run('npm', ['start', '--silent'], { PORT: 'eighty', SESSION_MAX_AGE: 'forever' });
  const result = await bad.exited;
  t.equal(result.code, 2);
  t.match(bad.stderr(), /PORT/);
  t.match(bad.stderr(), /SESSION_MAX_AGE/);
  t.notMatch(bad.stderr(), / {4}at /, 'no stack trace');
});

t.test('production refuses to start without a database or keys', async (t) => {
  const bad = run('npm', ['start', '--silent'], { NODE_ENV: 'production', DATABASE_URL: undefined, JWT_SECRET: undefined });
  const result = await bad.exited;
  t.equal(result.code, 2);
  t.match(bad.stderr(), /DATABASE_URL is required/);
  t.match(bad.stderr(), /JWT_SECRET/);
});
