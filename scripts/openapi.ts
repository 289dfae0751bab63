// Writes openapi.yaml from the route schemas: `npm run openapi`. A test fails when it is stale.
import { writeFileSync } from 'node:fs';
import { renderOpenApi } from '../src/openapi-document.js';

writeFileSync(new URL('../openapi.yaml', import.meta.url), await renderOpenApi());
process.stdout.write('openapi.yaml written\n');
