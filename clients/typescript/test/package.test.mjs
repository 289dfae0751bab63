// Checks the built package as its users get it: `npm run build` first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const file = (relative) => new URL(`../${relative}`, import.meta.url);

test('every export has its JavaScript and its type declarations', () => {
  for (const [entry, target] of Object.entries(pkg.exports)) {
    if (typeof target === 'string') continue;
    assert.ok(existsSync(file(target.default)), `${entry}: ${target.default} (run npm run build)`);
    assert.ok(existsSync(file(target.types)), `${entry}: ${target.types}`);
  }
});

test('the entries load by the package name and export what the README shows', async () => {
  const client = await import('@session-registry/client');
  assert.equal(typeof client.createRegistryClient, 'function');
  assert.equal(typeof client.RegistryError, 'function');
  assert.equal(typeof client.userContext, 'function');
  assert.equal(typeof client.verifyWebhook, 'function');
  const fastify = await import('@session-registry/client/fastify');
  assert.equal(fastify.sessionRegistry[Symbol.for('skip-override')], true, 'the hook reaches the whole app');
  assert.equal(typeof fastify.isSameOrigin, 'function');
  const node = await import('@session-registry/client/node');
  assert.equal(typeof node.createSessionMiddleware, 'function');
  const devices = await import('@session-registry/client/session-devices.js');
  assert.deepEqual(devices.LANGUAGES, ['en', 'fr', 'sv']);
  assert.equal(typeof devices.SessionDevicesElement, 'function', 'importable where there is no DOM');
});

/** Every module a file loads, following relative imports. */
function graph(start, seen = new Set()) {
  if (seen.has(start.href)) return seen;
  seen.add(start.href);
  const source = readFileSync(start, 'utf8');
  for (const [, specifier] of source.matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]/g)) {
    if (specifier === undefined) continue;
    if (!specifier.startsWith('.')) throw new Error(`${start.pathname} imports ${specifier}: not browser-safe`);
    graph(new URL(specifier, start), seen);
  }
  return seen;
}

test('the client and the element load in a browser: no Node modules, no Node globals', () => {
  for (const entry of ['.', './session-devices.js']) {
    for (const href of graph(file(pkg.exports[entry].default))) {
      const source = readFileSync(new URL(href), 'utf8');
      assert.doesNotMatch(source, /\bfrom\s*['"]node:|\brequire\(|\bprocess\.|\bBuffer\b/, href);
    }
  }
});
