import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { givenGeo } from './enrich/geo/index.js';
import type { GeoLookup } from './enrich/types.js';

// The document depends only on the route schemas, so it is rendered from an app that is built
// but never started: no database connection is made, and no GeoIP file is read.
const noGeo: GeoLookup = {
  lookup: () => null,
  status: () => ({ state: 'degraded', path: '', databaseType: null, buildEpoch: null, error: null, databases: [] }),
  close: async () => {},
};

export async function renderOpenApi(): Promise<string> {
  const config = loadConfig({
    NODE_ENV: 'development',
    DATABASE_URL: 'postgres://unused@127.0.0.1:1/unused',
    JWT_SECRET: 'x'.repeat(32),
    LOG_LEVEL: 'silent',
  });
  const app = await buildApp({ config, geo: givenGeo(noGeo), logger: false });
  await app.ready();
  const yaml = app.swagger({ yaml: true });
  await app.close();
  return yaml;
}
