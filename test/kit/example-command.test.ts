import t from 'tap';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run, waitFor } from '../process/helpers.js';

// Black-box: the one command a newcomer runs. The registry starts beside the demo (embedded
// PostgreSQL here, as on a fresh machine), sign-in sets the cookie, the page's API answers.
t.test('npm run example serves the account demo with a registry beside it', async (t) => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'account-example-'));
  chmodSync(dataDir, 0o755); // reachable by the postgres user when the suite runs as root
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  // In a process group of its own, as a terminal runs it: Ctrl-C reaches npm, the demo and the registry.
  const example = run(
    'npm',
    ['run', '--silent', 'example'],
    { DATABASE_URL: undefined, DATA_DIR: dataDir, EXAMPLE_PORT: '0', MAX_EVENT_LOOP_DELAY_MS: '0' },
    { group: true },
  );
  t.teardown(() => {
    try {
      process.kill(-(example.child.pid as number), 'SIGKILL');
    } catch {
      // Already gone.
    }
  });
  const base = await waitFor(() => /Account demo: (http:\/\/127\.0\.0\.1:\d+)/.exec(example.stdout())?.[1], 120000, 'the demo to listen');
  const registry = /\(registry: (http:\/\/127\.0\.0\.1:\d+)\)/.exec(example.stdout())?.[1];

  const signIn = await fetch(`${base}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
    body: 'user=alice',
  });
  t.equal(signIn.status, 303);
  const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0];
  t.match(cookie, /^sid=sr1_/);
  const page = await fetch(`${base}/account`, { headers: { cookie, accept: 'text/html' } });
  t.equal(page.status, 200);
  const html = await page.text();
  t.match(html, /<session-devices api="\/account\/api\/me"><\/session-devices>/);
  t.match(html, new RegExp(`<script type="module" src="${registry}/ui/session-devices.js">`));
  const module = await fetch(`${registry}/ui/session-devices.js`);
  t.equal(module.status, 200);
  const sessions = await fetch(`${base}/account/api/me/sessions`, { headers: { cookie } });
  const body = (await sessions.json()) as { items: Array<{ userId: string; current: boolean; activity: { pageViews: number } }> };
  t.equal(body.items.length, 1);
  t.equal(body.items[0].userId, 'alice');
  t.equal(body.items[0].current, true);
  t.equal(body.items[0].activity.pageViews, 1, 'the account page view was counted');

  const lockFile = path.join(dataDir, 'pg', 'postmaster.pid');
  const postgres = Number(readFileSync(lockFile, 'utf8').split('\n')[0]);
  process.kill(-(example.child.pid as number), 'SIGINT');
  t.equal((await example.exited).code, 0, 'Ctrl-C stops both cleanly');
  t.notOk(existsSync(lockFile), 'the embedded PostgreSQL stopped and removed its lock file');
  t.throws(() => process.kill(postgres, 0), 'no postgres is left running');
});
