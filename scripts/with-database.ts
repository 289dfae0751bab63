import pino from 'pino';
import { loadConfig, type Config } from '../src/config.js';
import { createDatabase, type DatabaseHandle } from '../src/db/database.js';
import { startEmbeddedPostgres } from '../src/db/embedded.js';

/**
 * Runs a one-off command against DATABASE_URL (or the embedded database), closes everything, and
 * exits 0, or 1 with the error logged (no stack) when the work throws.
 */
export async function runWithDatabase(
  what: string,
  work: (handle: DatabaseHandle, context: { config: Config; log: pino.Logger }) => Promise<void>,
): Promise<never> {
  const log = pino({ level: 'info' });
  const config = loadConfig(process.env);
  const embedded = config.databaseUrl ? null : await startEmbeddedPostgres(config.dataDir, log);
  const handle = createDatabase({
    connectionString: config.databaseUrl ?? (embedded as { url: string }).url,
    poolSize: 2,
    statementTimeoutMs: 600000,
  });
  let code = 0;
  try {
    await work(handle, { config, log });
  } catch (error) {
    log.error({ reason: (error as Error).message }, `${what} failed`);
    code = 1;
  } finally {
    await handle.close();
    await embedded?.stop();
  }
  process.exit(code);
}
