import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { buildTestApp, TEST_SECRET } from './helper.js';

// The walk-through as a reader runs it: the README's curl commands, then their continuation in
// docs/account-controls.md, pasted into one bash against a running registry, exactly as written
// (only the address is the test's). What they print must be what the documents say they print,
// but for ids, times and durations.

const ROOT = path.resolve(import.meta.dirname, '..');

/** The first ```sh block after `heading`, and the first ```text block after that. */
function block(file: string, heading: string): { commands: string; printed: string } {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const from = text.indexOf(heading);
  if (from < 0) throw new Error(`${file} has no "${heading}"`);
  const sh = /```sh\n([\s\S]*?)```/.exec(text.slice(from));
  if (!sh) throw new Error(`${file}: no sh block after "${heading}"`);
  const after = from + (sh.index ?? 0) + sh[0].length;
  const printed = /```text\n([\s\S]*?)```/.exec(text.slice(after));
  if (!printed) throw new Error(`${file}: no text block after the commands`);
  return { commands: sh[1], printed: printed[1] };
}

/** What varies from one run to the next, made the same. */
function normalised(output: string): string[] {
  return output
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>')
    .replace(/service:[\w.-]+/g, 'service:<sub>')
    .replace(/\b\d+ s\b/g, '<n> s')
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '');
}

t.test('the walk-through prints what the README and the account-controls guide say it prints', async (t) => {
  const { app } = await buildTestApp(t);
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  const first = block('README.md', '## A walk-through with curl');
  const second = block('docs/account-controls.md', '## In the shell');
  const token = app.jwt.sign({ scope: 'sessions:read sessions:write', sub: 'developer' }, { expiresIn: '1h' });
  const dir = mkdtempSync(path.join(tmpdir(), 'walk-through-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // npm run token runs in the project, whatever folder the reader pastes into.
  const script = [
    'set -euo pipefail',
    `npm() { (cd ${JSON.stringify(ROOT)} && command npm "$@"); }`,
    first.commands.replace(/^API=.*$/m, `API=${base}`),
    second.commands,
  ].join('\n');
  const { stdout } = await promisify(execFile)('bash', ['-c', script], {
    cwd: dir,
    env: { ...process.env, TOKEN: token, JWT_SECRET: TEST_SECRET, JWT_ISSUER: 'session-registry', JWT_AUDIENCE: 'session-registry' },
    timeout: 120000,
    maxBuffer: 1 << 20,
  });
  t.same(normalised(stdout), normalised(first.printed + second.printed));
});
