import { deviceKey, PARSER_VERSION, type UserAgentParser } from '../enrich/user-agent/index.js';
import type { SessionsRepository } from './repositories/sessions.js';

/**
 * Re-derives device, OS, browser and client fields of stored sessions from their raw User-Agent,
 * client hints and client input, after a parser upgrade. Batches in id order, one statement per
 * batch; only rows of another parser version are touched, so an interrupted run resumes where it
 * stopped and the service can keep running (activity columns are not written; a row whose
 * User-Agent or hints changed after it was read is left as that change wrote it). Returns the rows written.
 */
export async function reparseStoredSessions(
  repo: SessionsRepository,
  parser: UserAgentParser,
  options: { batchSize?: number; onBatch?(done: number): void } = {},
): Promise<number> {
  const batchSize = options.batchSize ?? 500;
  let afterId: string | null = null;
  let done = 0;
  for (;;) {
    const rows = await repo.listStaleAgents(PARSER_VERSION, afterId, batchSize);
    if (rows.length === 0) return done;
    const updates = rows.map((row) => {
      const { isBot: _isBot, ...info } = parser.parse(row.user_agent, row.client_hints, row.client_input);
      return { source: row, agent: info, deviceKey: deviceKey(info, row.device_id) };
    });
    done += await repo.updateAgents(PARSER_VERSION, updates);
    afterId = rows[rows.length - 1].id;
    options.onBatch?.(done);
  }
}
