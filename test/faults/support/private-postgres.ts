import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../../src/db/embedded.js';
import { silentLogger } from '../../helper.js';

// A PostgreSQL of the test's own, so it can be stopped and restarted without touching the server
// other test runs share. It keeps its port across restarts, as a real server would.

const quiet = silentLogger;

export interface PrivatePostgres {
  readonly url: string;
  readonly port: number;
  /** Fast shutdown (open transactions rolled back, connections closed). */
  stop(): Promise<void>;
  /** Starts again on the same data directory and port; resolves once it accepts connections. */
  start(): Promise<void>;
  destroy(): Promise<void>;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(path.join(tmpdir(), 'registry-faults-pg-'));
  chmodSync(dir, 0o755); // reachable by the postgres user when the suite runs as root
  let current: EmbeddedPostgres | null = await startEmbeddedPostgres(dir, quiet);
  const port = current.port;
  const url = current.url;
  return {
    url,
    port,
    async stop() {
      await current?.stop();
      current = null;
    },
    async start() {
      if (current) return;
      current = await startEmbeddedPostgres(dir, quiet, { port });
    },
    async destroy() {
      await current?.stop();
      current = null;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
