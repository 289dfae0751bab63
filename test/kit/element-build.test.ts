import t from 'tap';
import { readFileSync } from 'node:fs';

// The served <session-devices> file is built from the modules in clients/typescript/src/session-devices/:
// the committed build must be what those modules build to today, byte for byte.

t.test('clients/typescript/src/generated/session-devices.js is the build of its modules', async (t) => {
  const script = new URL('../../clients/typescript/scripts/build-element.mjs', import.meta.url).href;
  const { renderElement, OUTPUT } = (await import(script)) as { renderElement: () => Promise<string>; OUTPUT: URL };
  const committed = readFileSync(OUTPUT, 'utf8');
  t.ok(
    committed === (await renderElement()),
    'clients/typescript/src/generated/session-devices.js is stale: run `npm run ui:build` and commit it',
  );
});

t.test('every hand-written file of the client package stays under 400 lines', async (t) => {
  const { readdirSync, statSync } = await import('node:fs');
  const root = new URL('../../clients/typescript/', import.meta.url);
  const walk = (dir: URL): URL[] =>
    readdirSync(dir).flatMap((name) => {
      if (['node_modules', 'dist', 'generated'].includes(name) || name.startsWith('.')) return [];
      const url = new URL(name, dir);
      return statSync(url).isDirectory() ? walk(new URL(`${name}/`, dir)) : [url];
    });
  const long = walk(root)
    .filter((url) => /\.(js|mjs|ts)$/.test(url.pathname))
    .map((url) => [url.pathname.slice(root.pathname.length), readFileSync(url, 'utf8').split('\n').length] as const)
    .filter(([, lines]) => lines > 400);
  t.same(long, [], 'split by behaviour; only generated/ and dist/ files may be longer');
});
