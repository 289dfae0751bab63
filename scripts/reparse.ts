// Re-derives device fields of stored sessions after a User-Agent parser upgrade: `npm run reparse`.
// Batched and resumable (run it again after an interruption); safe while the service is serving.
import { parseUserAgentPatterns } from '../src/enrich/user-agent/patterns.js';
import { createUserAgentParser, PARSER_VERSION } from '../src/enrich/user-agent/index.js';
import { createSessionsRepository } from '../src/sessions/repositories/sessions.js';
import { reparseStoredSessions } from '../src/sessions/reparse.js';
import { runWithDatabase } from './with-database.js';

await runWithDatabase('reparse', async (handle, { config, log }) => {
  const parser = createUserAgentParser({ customPatterns: parseUserAgentPatterns(config.userAgentPatterns) });
  const total = await reparseStoredSessions(createSessionsRepository(handle), parser, {
    onBatch: (done) => log.info({ done }, 'reparsed'),
  });
  log.info({ total, parserVersion: PARSER_VERSION }, 'reparse complete');
});
