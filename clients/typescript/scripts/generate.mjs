// Regenerates src/generated/schema.ts from the registry's openapi.yaml (`npm run generate`).
// The registry's test suite renders the same text and fails when the committed file differs.
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';

export const SPEC = new URL('../../../openapi.yaml', import.meta.url);
export const OUTPUT = new URL('../src/generated/schema.ts', import.meta.url);

const HEADER = `/**
 * Generated from the registry's openapi.yaml by openapi-typescript: do not edit.
 * Regenerate with \`npm run generate\` in clients/typescript.
 */
`;

export async function renderSchemaTypes(spec = SPEC) {
  const ast = await openapiTS(spec, { exportType: false, alphabetize: false });
  return HEADER + astToString(ast);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  writeFileSync(OUTPUT, await renderSchemaTypes());
  process.stdout.write(`wrote ${fileURLToPath(OUTPUT)}\n`);
}
