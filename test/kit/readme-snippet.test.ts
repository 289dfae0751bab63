import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { createRegistryClient } from '../../clients/typescript/src/index.js';
import { startRegistry, USER_AGENTS } from './support/registry.js';

const run = promisify(execFile);
const PACKAGE = new URL('../../clients/typescript/', import.meta.url);
const TSC = new URL('../../node_modules/typescript/bin/tsc', import.meta.url).pathname;

/** The code block of the client README's "A backend in 15 lines". */
function snippet(): string {
  const readme = readFileSync(new URL('README.md', PACKAGE), 'utf8');
  const section = readme.slice(readme.indexOf('## A backend in 15 lines'));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error('no ts code block under "A backend in 15 lines"');
  return match[1];
}

// The lines run as a user's file would: inside the package folder, importing the built package by
// its name (Node resolves a package's own name through its "exports").
t.test("the client README's 15 lines register, check and end a session against a real registry", async (t) => {
  const code = snippet();
  t.ok(code.trimEnd().split('\n').length <= 15, `at most 15 lines (has ${code.trimEnd().split('\n').length})`);
  t.match(code, /from '@session-registry\/client'/);
  const guide = readFileSync(new URL('../../docs/account-page.md', import.meta.url), 'utf8');
  t.ok(guide.includes(`\`\`\`ts\n${code}\`\`\``), 'the account-page guide shows the same lines');

  await run(process.execPath, [TSC, '-p', new URL('tsconfig.build.json', PACKAGE).pathname], { cwd: PACKAGE.pathname });
  const dir = new URL('test/.readme/', PACKAGE);
  mkdirSync(dir, { recursive: true });
  const file = new URL('integration.ts', dir);
  writeFileSync(file, code);
  // Type-checked against the built declarations, as a user's project would see them.
  await run(
    process.execPath,
    [
      TSC,
      '--noEmit',
      '--strict',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      '--types',
      'node',
      '--skipLibCheck',
      file.pathname,
    ],
    { cwd: PACKAGE.pathname },
  );

  const registry = await startRegistry(t);
  process.env.REGISTRY_URL = registry.url;
  process.env.REGISTRY_TOKEN = registry.token;
  const backend = (await import(file.href)) as {
    login(req: unknown, userId: string): Promise<string>;
    authenticate(req: unknown, token: string): Promise<string | null>;
    logout(token: string): Promise<unknown>;
  };
  const req = { ip: '81.2.69.142', headers: { 'user-agent': USER_AGENTS.chromeMac } };

  const token = await backend.login(req, 'zoe');
  t.match(token, /^sr1_/);
  t.equal(await backend.authenticate(req, token), 'zoe');
  t.equal(await backend.authenticate(req, token), 'zoe');
  const service = createRegistryClient({ baseUrl: registry.url, token: registry.token });
  const [session] = (await service.listUserSessions('zoe')).items;
  t.equal(session.activity.pageViews, 2, 'each request counted its page view');
  t.equal(session.ip, '81.2.69.142');
  t.equal(session.browser.name, 'Chrome');
  await backend.logout(token);
  t.equal(await backend.authenticate(req, token), null, 'signed out after logout');
  t.equal((await service.getSession(session.id)).endReason, 'logout');
});
