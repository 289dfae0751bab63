import t from 'tap';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run, waitFor } from './helpers.js';

// `npm run migrate` (and `npm run reparse`, through the same scripts/with-database.ts) on the
// embedded PostgreSQL, interrupted as a terminal's Ctrl-C does: SIGINT to the whole group.

t.setTimeout(300000);

/** pg_control's cluster state (an int32 after the 8-byte system identifier and two uint32 versions): 1 is "shut down". */
function clusterState(dataDir: string): number {
  return readFileSync(path.join(dataDir, 'global', 'pg_control')).readInt32LE(16);
}
const SHUT_DOWN = 1;

t.test('Ctrl-C during npm run migrate stops the embedded PostgreSQL in order', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'registry-migrate-'));
  chmodSync(dir, 0o755); // reachable by the postgres user when the suite runs as root
  const pgDir = path.join(dir, 'pg');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const env = { DATABASE_URL: undefined, DATA_DIR: dir, NODE_ENV: undefined };

  const migrate = run('npm', ['run', '--silent', 'migrate'], env, { group: true });
  t.teardown(() => {
    try {
      process.kill(-(migrate.child.pid as number), 'SIGKILL');
    } catch {
      // Already gone.
    }
  });
  // The migrations of a fresh database run right after this line.
  await waitFor(() => migrate.stdout().includes('embedded PostgreSQL started') || migrate.child.exitCode !== null, 90000, 'the start');
  process.kill(-(migrate.child.pid as number), 'SIGINT');
  const result = await migrate.exited;
  // The script exits 130; npm, which heard the SIGINT too, then ends itself by that signal as a shell expects.
  t.ok(result.code === 130 || result.signal === 'SIGINT', `ends as interrupted (${JSON.stringify(result)})`);
  t.match(migrate.stdout(), /"signal":"SIGINT","msg":"migration interrupted; stopping"/);
  t.notMatch(migrate.stdout(), /migration failed/, 'the interrupted work is not reported as a failure');
  t.notOk(existsSync(path.join(pgDir, 'postmaster.pid')), 'no PostgreSQL is left on the data directory');
  t.equal(clusterState(pgDir), SHUT_DOWN, 'PostgreSQL shut down cleanly (not the immediate stop that needs recovery)');

  const again = run('npm', ['run', '--silent', 'migrate'], env);
  t.same(await again.exited, { code: 0, signal: null }, 'the next run finishes');
  t.match(again.stdout(), /migrations up to date/);
  t.notMatch(again.stdout(), /left running/);
  t.equal(clusterState(pgDir), SHUT_DOWN, 'and stops PostgreSQL cleanly too');
});
