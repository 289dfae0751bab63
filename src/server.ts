import pino from 'pino';
import { buildApp } from './app.js';
import { loggerOptions } from './logger.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createDatabase } from './db/database.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './db/embedded.js';
import { migrateToLatest } from './db/migrator.js';
import { withDevelopmentSecret } from './dev-secret.js';
import { withDevelopmentEventKeys } from './events/dev-keys.js';
import { lifecycle, type Lifecycle } from './lifecycle.js';

// Process entry: configuration, database, app, listen, and an orderly close.
const SHUTDOWN_TIMEOUT_MS = 10000;

async function main(life: (logger: pino.Logger) => Lifecycle): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const log = pino(loggerOptions(config.logLevel) as pino.LoggerOptions);
  // From here on a signal, an uncaught error or a failed step stops what was started, in reverse:
  // the app (stop accepting, finish what is in flight, write buffered activity), then the embedded
  // database. Past the delay, both are stopped at once and the process exits 1.
  const stops = life(log);

  let embedded: EmbeddedPostgres | null = null;
  if (!config.databaseUrl) {
    embedded = await startEmbeddedPostgres(config.dataDir, log);
    stops.add({ name: 'embedded PostgreSQL', stop: embedded.stop, stopNow: embedded.stopNow });
    config = { ...config, databaseUrl: embedded.url };
    stops.checkpoint();
  }
  const secret = withDevelopmentSecret(config);
  config = secret.config;
  if (secret.generated) log.warn({ file: `${config.dataDir}/jwt-secret` }, 'generated a development JWT secret');
  const eventKeys = withDevelopmentEventKeys(config);
  config = eventKeys.config;
  for (const file of eventKeys.generated) log.warn({ file }, 'generated a development key for events');

  if (config.migrateOnStart) {
    const handle = createDatabase({ connectionString: config.databaseUrl as string, poolSize: 1, statementTimeoutMs: 600000 });
    try {
      const result = await migrateToLatest(handle.db);
      const applied = (result.results ?? []).map((r) => r.migrationName);
      if (applied.length > 0) log.info({ applied }, 'migrations applied');
    } finally {
      await handle.close();
    }
    stops.checkpoint();
  }

  const app = await buildApp({ config, loggerInstance: log });
  stops.add({ name: 'app', stop: () => app.close() });
  stops.checkpoint();

  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    log.error({ reason: (error as Error).message }, 'could not listen');
    throw error;
  }
  stops.started();

  if (!config.production) {
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const token = app.jwt.sign({ scope: 'sessions:read sessions:write', sub: 'developer' }, { expiresIn: '12h' });
    process.stdout.write(
      [
        '',
        `Session Registry is listening on http://${config.host}:${port} (docs: /docs)`,
        `Database: ${embedded ? `embedded PostgreSQL, data in ${embedded.dataDir}` : 'DATABASE_URL'}`,
        'A service token for the next 12 hours (mint more with: npm run --silent token -- --scope "sessions:read sessions:write"):',
        `  export TOKEN=${token}`,
        'Operator calls (search across users, bulk revoke, erase, export, review for a user) need sessions:admin, which this token lacks:',
        '  export ADMIN_TOKEN=$(npm run --silent token -- --scope "sessions:admin" --sub "$USER" --ttl 15m)',
        'Try:',
        `  curl -s -X POST http://${config.host}:${port}/v1/sessions -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"userId":"alice","ip":"81.2.69.142","userAgent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"}'`,
        '',
      ].join('\n'),
    );
  }
}

let current: Lifecycle | null = null;
main((logger) => (current = lifecycle({ logger, timeoutMs: SHUTDOWN_TIMEOUT_MS }))).catch(async (error: Error) => {
  if (current) return current.startFailed(error);
  process.stderr.write(`session-registry failed to start: ${error.message}\n`);
  process.exit(1);
});
