import t from 'tap';
import { readFileSync } from 'node:fs';

// The client's types are generated from openapi.yaml; a route change must regenerate them.
t.test("the client's generated types match openapi.yaml", async (t) => {
  const script = new URL('../../clients/typescript/scripts/generate.mjs', import.meta.url).href;
  const { renderSchemaTypes, OUTPUT } = (await import(script)) as { renderSchemaTypes(): Promise<string>; OUTPUT: URL };
  const committed = readFileSync(OUTPUT, 'utf8');
  t.ok(
    committed === (await renderSchemaTypes()),
    'clients/typescript/src/generated/schema.ts is stale: run `npm run generate` in clients/typescript and commit it',
  );
  t.match(committed, /operations\["listMySessions"\]/);
});
