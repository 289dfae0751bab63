// Applies pending migrations to DATABASE_URL (or the embedded database) and exits.
//   npm run migrate            apply everything pending
//   npm run migrate -- down    undo the latest migration
import pino from 'pino';
import { loadConfig } from '../src/config.js';
import { createDatabase } from '../src/db/database.js';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { createMigrator, migrateToLatest } from '../src/db/migrator.js';

const log = pino({ level: 'info' });
const config = loadConfig(process.env);
const embedded = config.databaseUrl ? null : await startEmbeddedPostgres(config.dataDir, log);
const handle = createDatabase({ connectionString: config.databaseUrl ?? (embedded as { url: string }).url, poolSize: 1, statementTimeoutMs: 600000 });
let code = 0;
try {
  if (process.argv[2] === 'down') {
    const result = await createMigrator(handle.db).migrateDown();
    if (result.error) throw result.error;
    log.info({ reverted: result.results?.map((r) => r.migrationName) ?? [] }, 'migration reverted');
  } else {
    const result = await migrateToLatest(handle.db);
    log.info({ applied: result.results?.map((r) => r.migrationName) ?? [] }, 'migrations up to date');
  }
} catch (error) {
  log.error({ reason: (error as Error).message }, 'migration failed');
  code = 1;
} finally {
  await handle.close();
  await embedded?.stop();
}
process.exit(code);
