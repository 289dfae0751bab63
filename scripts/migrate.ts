// Applies pending migrations to DATABASE_URL (or the embedded database) and exits.
//   npm run migrate            apply everything pending
//   npm run migrate -- down    undo the latest migration
import { createMigrator, migrateToLatest } from '../src/db/migrator.js';
import { runWithDatabase } from './with-database.js';

await runWithDatabase('migration', async (handle, { log }) => {
  if (process.argv[2] === 'down') {
    const result = await createMigrator(handle.db).migrateDown();
    if (result.error) throw result.error;
    log.info({ reverted: result.results?.map((r) => r.migrationName) ?? [] }, 'migration reverted');
  } else {
    const result = await migrateToLatest(handle.db);
    log.info({ applied: result.results?.map((r) => r.migrationName) ?? [] }, 'migrations up to date');
  }
});
