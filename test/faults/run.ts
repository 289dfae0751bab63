// `npm run test:faults`: the fault-injection and hostile-input suite on real PostgreSQL
// (DATABASE_URL when set, otherwise an embedded server of its own under .data/test-faults), then
// one table of every family with its trials and failures. The table is printed whatever happens;
// the exit code is non-zero when any family failed, did not finish, or tap failed outside one.
//
//   npm run test:faults                 normal mode (fixed seed, a few minutes)
//   FAULTS_LONG=1 npm run test:faults   soak: more cycles, kills and fuzzing runs, random seed
//   npm run test:faults -- fuzz jwt     only the files whose names contain one of the words
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import type { FamilyRecord } from './support/family.js';

const DIR = 'test/faults';
// Files that stop databases, kill processes or measure latency run one at a time; the rest
// (in-process, CPU-bound) two at a time.
const ALONE = ['postgres-restart', 'connections', 'overload', 'shutdown'];
const long = process.env.FAULTS_LONG === '1';

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.fault.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort()
  .map((f) => path.join(DIR, f));
const alone = files.filter((f) => ALONE.some((name) => path.basename(f).startsWith(name)));
const together = files.filter((f) => !alone.includes(f));

const resultsDir = mkdtempSync(path.join(tmpdir(), 'registry-faults-'));
const results = path.join(resultsDir, 'results.jsonl');
let interrupted = false;
let current: ReturnType<typeof spawn> | null = null;
process.on('SIGINT', () => {
  interrupted = true;
  current?.kill('SIGINT');
});
process.on('SIGTERM', () => {
  interrupted = true;
  current?.kill('SIGTERM');
});

const started = Date.now();
const embedded = process.env.DATABASE_URL ? null : await startEmbeddedPostgres('.data/test-faults', pino({ level: 'warn' }));
const env = { ...process.env, DATABASE_URL: process.env.DATABASE_URL ?? (embedded as { url: string }).url, FAULTS_RESULTS: results };

function tap(batch: string[], jobs: number): Promise<number> {
  if (batch.length === 0 || interrupted) return Promise.resolve(0);
  const args = [
    'node_modules/tap/dist/esm/run.mjs',
    `--jobs=${jobs}`,
    `--timeout=${long ? 14400 : 900}`,
    `--reporter=${process.env.FAULTS_REPORTER ?? 'terse'}`,
    ...batch,
  ];
  return new Promise((resolve) => {
    current = spawn(process.execPath, args, { env, stdio: 'inherit' });
    current.on('error', () => resolve(1));
    current.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

let tapCode = 0;
try {
  tapCode = Math.max(await tap(together, 2), await tap(alone, 1));
} finally {
  await embedded?.stop();
}

// The table.
interface Row {
  family: string;
  kind: string;
  unit: string;
  file: string;
  trials: number;
  failures: number;
  state: 'ok' | 'FAILED' | 'DID NOT FINISH';
  notes: string[];
}
const rows = new Map<string, Row>();
let lines: FamilyRecord[] = [];
try {
  lines = readFileSync(results, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as FamilyRecord);
} catch {
  lines = [];
}
for (const r of lines) {
  const key = `${r.file}\u0000${r.family}`;
  if (r.event === 'start' && !rows.has(key)) {
    rows.set(key, {
      family: r.family,
      kind: r.kind,
      unit: r.unit,
      file: r.file,
      trials: 0,
      failures: 0,
      state: 'DID NOT FINISH',
      notes: [],
    });
  } else if (r.event === 'end') {
    const row = rows.get(key) ?? {
      family: r.family,
      kind: r.kind,
      unit: r.unit,
      file: r.file,
      trials: 0,
      failures: 0,
      state: 'DID NOT FINISH' as const,
      notes: [],
    };
    row.trials = r.trials ?? 0;
    row.failures = r.failures ?? 0;
    row.state = row.failures > 0 ? 'FAILED' : 'ok';
    row.notes = r.notes ?? [];
    rows.set(key, row);
  }
}
for (const file of files) {
  if (![...rows.values()].some((r) => r.file === file)) {
    rows.set(file, {
      family: `(${path.basename(file)}: no family ran)`,
      kind: '-',
      unit: '',
      file,
      trials: 0,
      failures: 1,
      state: interrupted ? 'DID NOT FINISH' : 'FAILED',
      notes: [],
    });
  }
}
// Faults first, then attacks; within each, in the order of ORDER (then by name), families of a
// file in the order they ran.
const ORDER = [
  'postgres-restart',
  'connections',
  'overload',
  'shutdown',
  'geoip',
  'fuzz',
  'jwt',
  'access-control',
  'forwarded',
  'rate-limit',
  'sql-injection',
];
const rank = (r: Row) => {
  const at = ORDER.findIndex((name) => path.basename(r.file).startsWith(name));
  return (r.kind === 'fault' ? 0 : 1000) + (at === -1 ? 500 : at * 10);
};
const ordered = [...rows.values()].sort((a, b) => rank(a) - rank(b) || a.file.localeCompare(b.file));
const failedRows = ordered.filter((r) => r.state !== 'ok');
const outsideFailure = tapCode !== 0 && failedRows.length === 0;

const width = Math.max(...ordered.map((r) => r.family.length), 30);
const line = '─'.repeat(width + 44);
const out: string[] = [];
out.push(
  '',
  `Fault and attack families (${long ? 'long' : 'normal'} mode${process.env.FAULTS_SEED ? `, seed ${process.env.FAULTS_SEED}` : ''})`,
  line,
);
out.push(`${'kind'.padEnd(7)}${'family'.padEnd(width + 2)}${'trials'.padStart(8)}${'failures'.padStart(10)}  result`);
out.push(line);
for (const r of ordered) {
  out.push(`${r.kind.padEnd(7)}${r.family.padEnd(width + 2)}${String(r.trials).padStart(8)}${String(r.failures).padStart(10)}  ${r.state}`);
}
out.push(line);
const totalTrials = ordered.reduce((n, r) => n + r.trials, 0);
const totalFailures = ordered.reduce((n, r) => n + r.failures, 0);
out.push(
  `${''.padEnd(7)}${'total'.padEnd(width + 2)}${String(totalTrials).padStart(8)}${String(totalFailures).padStart(10)}  ${failedRows.length === 0 && !outsideFailure ? 'ok' : 'FAILED'}`,
);
if (outsideFailure) out.push(`tap exited with code ${tapCode} although every family passed: a failure outside the families (see above)`);
if (interrupted) out.push('interrupted: the table shows what ran');
out.push('', 'What was counted and measured:');
for (const r of ordered) {
  out.push(`  ${r.family} — trials are ${r.unit || 'n/a'}`);
  for (const note of r.notes) out.push(`      ${note.length > 400 ? `${note.slice(0, 400)}…` : note}`);
}
out.push('', `${files.length} files in ${Math.round((Date.now() - started) / 1000)} s`);
process.stdout.write(`${out.join('\n')}\n`);
rmSync(resultsDir, { recursive: true, force: true });
process.exit(failedRows.length > 0 || tapCode !== 0 || interrupted ? 1 : 0);
