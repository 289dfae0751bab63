// Builds the <session-devices> element's single served file, src/generated/session-devices.js, from
// its modules in src/session-devices/ (`npm run build:element`; `npm run ui:build` from the registry).
// The registry's test suite renders the same text and fails when the committed file differs.
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = new URL('..', import.meta.url);
export const ENTRY = 'src/session-devices/index.js';
export const OUTPUT = new URL('../src/generated/session-devices.js', import.meta.url);

const BANNER = `// Generated from src/session-devices/ by esbuild: do not edit.
// Rebuild with \`npm run build:element\` in clients/typescript (or \`npm run ui:build\` in the registry).`;

/** The built module's text: one ES module, no dependency, readable (not minified). */
export async function renderElement() {
  const result = await build({
    absWorkingDir: fileURLToPath(ROOT),
    entryPoints: [ENTRY],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    charset: 'utf8',
    legalComments: 'none',
    banner: { js: BANNER },
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  writeFileSync(OUTPUT, await renderElement());
  process.stdout.write(`wrote ${fileURLToPath(OUTPUT)}\n`);
}
