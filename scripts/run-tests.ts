// `npm test`: the whole suite on real PostgreSQL — DATABASE_URL when set, otherwise an embedded
// server started here (data under .data/test) and stopped when the suite ends.
import { spawn } from 'node:child_process';
import pino from 'pino';
import { startEmbeddedPostgres } from '../src/db/embedded.js';

const log = pino({ level: 'warn' });
const embedded = process.env.DATABASE_URL ? null : await startEmbeddedPostgres('.data/test', log);
const env = { ...process.env, DATABASE_URL: process.env.DATABASE_URL ?? (embedded as { url: string }).url };
const args = process.argv.slice(2);
const files = args.some((arg) => !arg.startsWith('-')) ? [] : ['test/**/*.test.ts'];
const child = spawn(process.execPath, ['node_modules/tap/dist/esm/run.mjs', ...args, ...files], {
  env,
  stdio: 'inherit',
});
const stopEmbedded = () => embedded?.stop();
process.on('SIGINT', () => child.kill('SIGINT'));
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', async (code, signal) => {
  await stopEmbedded();
  process.exit(code ?? (signal ? 1 : 0));
});
