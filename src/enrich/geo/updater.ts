import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { epochMs, systemClock } from '../../clock.js';
import { createJobRunner, type Job, type JobRunner } from '../../jobs/runner.js';
import { writeAtomically } from './asn-cache.js';
import { extractMmdb } from './archive.js';
import { loadDatabase, type ExpectedType } from './database.js';
import { cityLayoutOf } from './layouts.js';
import { CheckError, createMaxMindDownloads, releaseDay } from './maxmind-downloads.js';

export { releaseName } from './maxmind-downloads.js';

// Keeps MaxMind databases current (the requests themselves are in maxmind-downloads.ts). A new
// file is written beside the target and renamed over it only once the archive matched its
// checksum, unpacked whole, and opened as a database of the right type; anything else leaves the
// previous file where it was. Nothing here throws into the process: every failure is logged,
// counted, and retried later.

export interface GeoEdition {
  database: 'city' | 'asn';
  edition: string;
  /** Where the database lives; the lookup watches (and is told to reload) this file. */
  path: string;
  expected: ExpectedType;
}

export interface GeoUpdaterOptions {
  baseUrl: string;
  accountId: string;
  licenseKey: string;
  editions: GeoEdition[];
  intervalMs: number;
  logger: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
  /** Called after a file was replaced (the lookup reloads it). */
  onReplaced(edition: GeoEdition): Promise<void>;
  /** Build date of the file at `path` as the lookup has it loaded, when it has. */
  loadedBuild(path: string): string | null;
  onOutcome?(database: 'city' | 'asn', outcome: CheckOutcome): void;
  /** First retry after a failure; doubles per failure up to intervalMs (default 5 min). */
  retryBaseMs?: number;
  /** Bound on one request, body included (default 10 min). */
  requestTimeoutMs?: number;
  /** Largest archive and unpacked database accepted (default 1 GiB). */
  maxBytes?: number;
  now?: () => number;
}

export type CheckOutcome = 'updated' | 'current' | 'failed';

export interface EditionStatus {
  database: 'city' | 'asn';
  edition: string;
  release: string | null;
  lastCheckAt: string | null;
  lastUpdateAt: string | null;
  nextCheckAt: string | null;
  lastError: string | null;
}

export interface GeoUpdater {
  /** Checks what is missing or stale now, and schedules every edition's next check as a job of `jobs` (a runner of its own without). */
  start(jobs?: JobRunner): Promise<void>;
  /** One check of every edition, one after the other (what the jobs run). */
  checkNow(): Promise<CheckOutcome[]>;
  status(): EditionStatus[];
  close(): Promise<void>;
}

/** What was installed, kept beside the database so a restart knows without downloading. */
interface Installed {
  release: string | null;
  sha256: string | null;
  checkedAt: string;
  updatedAt: string | null;
}

export function createGeoUpdater(options: GeoUpdaterOptions): GeoUpdater {
  const now = options.now ?? (() => epochMs(systemClock));
  const retryBaseMs = options.retryBaseMs ?? 300_000;
  const timeoutMs = options.requestTimeoutMs ?? 600_000;
  const maxBytes = options.maxBytes ?? 1024 ** 3;
  const abort = new AbortController();
  const maxmind = createMaxMindDownloads({ ...options, timeoutMs, maxBytes, signal: abort.signal, now });
  const states = options.editions.map((edition) => ({
    edition,
    failures: 0,
    job: null as Job | null,
    outcome: null as CheckOutcome | null,
    status: {
      database: edition.database,
      edition: edition.edition,
      release: null,
      lastCheckAt: null,
      lastUpdateAt: null,
      nextCheckAt: null,
      lastError: null,
    } as EditionStatus,
  }));
  let chain: Promise<unknown> = Promise.resolve();
  let closed = false;

  const sidecar = (edition: GeoEdition) => join(dirname(edition.path), `.${basename(edition.path)}.json`);

  async function installed(edition: GeoEdition): Promise<Installed | null> {
    try {
      return JSON.parse(await readFile(sidecar(edition), 'utf8')) as Installed;
    } catch {
      return null;
    }
  }

  async function check(edition: GeoEdition): Promise<CheckOutcome> {
    const previous = await installed(edition);
    const release = await maxmind.release(edition.edition);
    const loaded = options.loadedBuild(edition.path);
    const record = async (sha256: string | null, updated: boolean) => {
      const at = new Date(now()).toISOString();
      const next: Installed = { release, sha256, checkedAt: at, updatedAt: updated ? at : (previous?.updatedAt ?? null) };
      await writeAtomically(sidecar(edition), Buffer.from(JSON.stringify(next)));
    };
    if (loaded !== null) {
      if (release !== null && previous?.release === release) {
        await record(previous.sha256, false);
        return 'current';
      }
      // No record of what is installed (a file put there by hand): its build date decides.
      const remoteDay = release === null ? null : releaseDay(release);
      if (previous === null && remoteDay !== null && remoteDay <= loaded.slice(0, 10)) {
        await record(null, false);
        return 'current';
      }
    }

    const checksum = await maxmind.checksum(edition.edition);
    if (loaded !== null && previous?.sha256 === checksum) {
      await record(checksum, false);
      return 'current';
    }

    await mkdir(dirname(edition.path), { recursive: true });
    const stem = join(dirname(edition.path), `.${basename(edition.path)}.${randomBytes(4).toString('hex')}`);
    const archive = `${stem}.tar.gz`;
    const unpacked = `${stem}.mmdb`;
    try {
      const sha256 = await maxmind.download(edition.edition, archive);
      if (sha256 !== checksum)
        throw new CheckError(`the archive does not match its checksum (got ${sha256.slice(0, 12)}…, expected ${checksum.slice(0, 12)}…)`);
      try {
        await extractMmdb(archive, edition.edition, unpacked, maxBytes);
        await rm(archive, { force: true });
        const db = await loadDatabase(unpacked, edition.expected);
        if (edition.database === 'city' && cityLayoutOf(db.databaseType) !== 'maxmind') {
          throw new Error(`"${db.databaseType}" is not a MaxMind City database`);
        }
      } catch (error) {
        throw new CheckError(
          error instanceof CheckError ? error.message : `the downloaded database is unusable: ${(error as Error).message}`,
        );
      }
      await rename(unpacked, edition.path);
      await record(checksum, true);
    } finally {
      await rm(archive, { force: true });
      await rm(unpacked, { force: true });
    }
    await options.onReplaced(edition);
    return 'updated';
  }

  /** One check of one edition, after any check under way (one download at a time); the wait before its next check. */
  function run(state: (typeof states)[number]): Promise<number> {
    const next = chain.then(async (): Promise<number> => {
      const { edition, status } = state;
      if (closed) return options.intervalMs;
      let outcome: CheckOutcome;
      let delay = options.intervalMs;
      status.lastCheckAt = new Date(now()).toISOString();
      try {
        outcome = await check(edition);
        state.failures = 0;
        status.lastError = null;
        const info = await installed(edition);
        status.release = info?.release ?? status.release;
        if (outcome === 'updated') status.lastUpdateAt = status.lastCheckAt;
        options.logger.info({ edition: edition.edition, outcome, release: status.release }, 'GeoIP database update check finished');
      } catch (error) {
        outcome = 'failed';
        state.failures += 1;
        const reason = error instanceof Error ? error.message : String(error);
        status.lastError = reason;
        delay = Math.min(options.intervalMs, retryBaseMs * 2 ** Math.min(state.failures - 1, 20));
        if (error instanceof CheckError && error.credentials) delay = options.intervalMs;
        if (error instanceof CheckError && error.retryAfterMs !== null) delay = Math.max(delay, error.retryAfterMs);
        if (!closed) {
          options.logger.warn(
            {
              edition: edition.edition,
              reason,
              failures: state.failures,
              retryInMs: delay,
              keptPrevious: options.loadedBuild(edition.path) !== null,
            },
            'GeoIP database update failed; the previous database stays in use',
          );
        }
      }
      state.outcome = outcome;
      if (!closed) status.nextCheckAt = new Date(now() + delay).toISOString();
      options.onOutcome?.(edition.database, outcome);
      return delay;
    });
    chain = next.catch(() => undefined);
    return next;
  }

  return {
    async start(jobs) {
      const runner = jobs ?? createJobRunner({ logger: options.logger, clock: { now: () => new Date(now()) } });
      for (const state of states) {
        const info = await installed(state.edition);
        state.status.release = info?.release ?? null;
        state.status.lastUpdateAt = info?.updatedAt ?? null;
        const exists = await stat(state.edition.path).then(
          () => true,
          () => false,
        );
        const checkedAt = info ? Date.parse(info.checkedAt) : Number.NaN;
        const dueIn = Number.isNaN(checkedAt) ? 0 : checkedAt + options.intervalMs - now();
        const firstRunInMs = !exists || options.loadedBuild(state.edition.path) === null || dueIn <= 0 ? 0 : dueIn;
        if (firstRunInMs > 0) state.status.nextCheckAt = new Date(now() + firstRunInMs).toISOString();
        state.job = runner.add({
          name: `geoip-update-${state.edition.database}`,
          intervalMs: options.intervalMs,
          firstRunInMs,
          run: () => run(state),
        });
      }
    },
    async checkNow() {
      const outcomes: CheckOutcome[] = [];
      for (const state of states) {
        if (state.job) await state.job.runNow();
        else await run(state);
        outcomes.push(state.outcome ?? 'failed');
      }
      return outcomes;
    },
    status() {
      return states.map((s) => ({ ...s.status }));
    },
    async close() {
      closed = true;
      abort.abort();
      for (const state of states) await state.job?.stop();
      await chain;
    },
  };
}
