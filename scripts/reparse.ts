// Re-derives device fields of stored sessions after a User-Agent parser upgrade: `npm run reparse`.
// Batched and resumable; safe to run while the service is serving.
import pino from 'pino';
import { loadConfig } from '../src/config.js';
import { createDatabase } from '../src/db/database.js';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { parseUserAgentPatterns } from '../src/enrich/patterns.js';
import { createUserAgentParser, PARSER_VERSION } from '../src/enrich/user-agent.js';
import { createSessionRepository } from '../src/sessions/repository.js';
import { reparseStoredSessions } from '../src/sessions/reparse.js';

const log = pino({ level: 'info' });
const config = loadConfig(process.env);
const embedded = config.databaseUrl ? null : await startEmbeddedPostgres(config.dataDir, log);
const handle = createDatabase({ connectionString: config.databaseUrl ?? (embedded as { url: string }).url, poolSize: 2, statementTimeoutMs: 60000 });
let code = 0;
try {
  const parser = createUserAgentParser({ customPatterns: parseUserAgentPatterns(config.userAgentPatterns) });
  const total = await reparseStoredSessions(createSessionRepository(handle.db), parser, {
    onBatch: (done) => log.info({ done }, 'reparsed'),
  });
  log.info({ total, parserVersion: PARSER_VERSION }, 'reparse complete');
} catch (error) {
  log.error({ reason: (error as Error).message }, 'reparse failed; run again to resume');
  code = 1;
} finally {
  await handle.close();
  await embedded?.stop();
}
process.exit(code);
