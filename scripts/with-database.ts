import { constants } from 'node:os';
import pino from 'pino';
import { loadConfig, type Config } from '../src/config.js';
import { createDatabase, type DatabaseHandle } from '../src/db/database.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/db/embedded.js';

/**
 * Runs a one-off command against DATABASE_URL (or the embedded database), closes everything, and
 * exits 0, or 1 with the error logged (no stack) when the work throws.
 *
 * Ctrl-C (or SIGTERM) stops it: the embedded PostgreSQL, in a process group of its own, is stopped
 * in its fast mode (the work's open transaction rolled back, a checkpoint written) before the
 * process exits 128 + the signal's number. A terminal's Ctrl-C reaches this process more than once
 * (from the terminal, and forwarded by npm and tsx): the repeats change nothing. With DATABASE_URL
 * there is nothing of ours to stop: PostgreSQL rolls the transaction back when the connection closes.
 */
export async function runWithDatabase(
  what: string,
  work: (handle: DatabaseHandle, context: { config: Config; log: pino.Logger }) => Promise<void>,
): Promise<never> {
  const log = pino({ level: 'info' });
  const config = loadConfig(process.env);
  let embedded: EmbeddedPostgres | null = null;
  let interrupted: NodeJS.Signals | null = null;
  const exitAfterStop = (signal: NodeJS.Signals) =>
    void (embedded?.stop() ?? Promise.resolve()).finally(() => process.exit(128 + constants.signals[signal]));
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted !== null) return;
    interrupted = signal;
    log.info({ signal }, `${what} interrupted; stopping`);
    // While the embedded PostgreSQL is still starting, it is stopped as soon as it is up.
    if (embedded !== null || config.databaseUrl) exitAfterStop(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  /** After a signal, the stop it started ends the process. */
  const stopped = () => new Promise<never>(() => {});

  if (!config.databaseUrl) {
    embedded = await startEmbeddedPostgres(config.dataDir, log);
    if (interrupted !== null) {
      exitAfterStop(interrupted);
      return stopped();
    }
  }
  const handle = createDatabase({
    connectionString: config.databaseUrl ?? (embedded as EmbeddedPostgres).url,
    poolSize: 2,
    statementTimeoutMs: 600000,
  });
  let code = 0;
  try {
    await work(handle, { config, log });
  } catch (error) {
    // After a signal, the work fails because its database is stopping: that is not news.
    if (interrupted === null) {
      log.error({ reason: (error as Error).message }, `${what} failed`);
      code = 1;
    }
  }
  if (interrupted !== null) return stopped();
  await handle.close();
  await embedded?.stop();
  process.exit(code);
}
