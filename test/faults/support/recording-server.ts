// The registry as src/server.ts runs it, plus a record of every activity flush: before a batch is
// sent to the database its contents are written to FLUSH_LOG_DIR (synchronously, so a SIGKILL
// cannot lose the record of a batch that may have reached the database), and a line goes to
// stdout when it starts and when it ends. The crash test compares these records with what the
// database holds afterwards.
import { writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { buildApp } from '../../../src/app.js';
import { systemClock } from '../../../src/clock.js';
import { loadConfig } from '../../../src/config.js';
import { openConfiguredDatabase } from '../../../src/db/database.js';
import { openConfiguredGeo } from '../../../src/enrich/geo/index.js';
import { loggerOptions } from '../../../src/logger.js';
import { createSessions, sessionSettings } from '../../../src/sessions/index.js';
import { createActivityFlushesRepository, type ActivityFlushesRepository } from '../../../src/sessions/repositories/activity-flushes.js';

const config = loadConfig(process.env);
const logDir = process.env.FLUSH_LOG_DIR as string;
const log = pino(loggerOptions(config.logLevel) as pino.LoggerOptions);
const database = openConfiguredDatabase(config);
const geo = await openConfiguredGeo(config.geoip, log);
const flushes = createActivityFlushesRepository(database);
const recording: ActivityFlushesRepository = {
  ...flushes,
  async apply(flushId, deltas) {
    writeFileSync(
      path.join(logDir, `${flushId}.json`),
      JSON.stringify(deltas.map((d) => ({ id: d.id, pageViews: d.pageViews, heartbeats: d.heartbeats }))),
    );
    writeSync(1, `flush-begin ${flushId}\n`);
    try {
      const applied = await flushes.apply(flushId, deltas);
      writeSync(1, `flush-end ${flushId} ${applied ? 'applied' : 'skipped'}\n`);
      return applied;
    } catch (error) {
      writeSync(1, `flush-end ${flushId} failed\n`);
      throw error;
    }
  },
};
const sessions = createSessions({
  ...sessionSettings(config),
  database,
  clock: systemClock,
  geo: geo.geo,
  logger: log,
  repositories: { flushes: recording },
});
const app = await buildApp({ config, database, geo, sessions, loggerInstance: log });
await app.listen({ port: config.port, host: config.host });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
