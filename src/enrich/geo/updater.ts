import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { writeAtomically } from './asn-cache.js';
import { extractMmdb } from './archive.js';
import { loadDatabase, type ExpectedType } from './database.js';
import { cityLayoutOf } from './layouts.js';

// Keeps MaxMind databases current through MaxMind's direct-download endpoint:
//   HEAD {base}/geoip/databases/{edition}/download?suffix=tar.gz       → release name, no download
//   GET  {base}/geoip/databases/{edition}/download?suffix=tar.gz.sha256 → "<sha256>  <file name>"
//   GET  {base}/geoip/databases/{edition}/download?suffix=tar.gz       → the archive (a redirect)
// A new file is written beside the target and renamed over it only once the archive matched its
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
  /** Checks what is missing or stale now, and schedules every edition's next check. */
  start(): Promise<void>;
  /** One check of every edition, one after the other (what the timers run). */
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

class CheckError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | null = null,
    readonly credentials = false,
  ) {
    super(message);
  }
}

const DAY_MS = 86_400_000;

export function createGeoUpdater(options: GeoUpdaterOptions): GeoUpdater {
  const now = options.now ?? Date.now;
  const retryBaseMs = options.retryBaseMs ?? 300_000;
  const timeoutMs = options.requestTimeoutMs ?? 600_000;
  const maxBytes = options.maxBytes ?? 1024 ** 3;
  const authorization = `Basic ${Buffer.from(`${options.accountId}:${options.licenseKey}`).toString('base64')}`;
  const states = options.editions.map((edition) => ({
    edition,
    failures: 0,
    timer: null as NodeJS.Timeout | null,
    status: { database: edition.database, edition: edition.edition, release: null, lastCheckAt: null, lastUpdateAt: null, nextCheckAt: null, lastError: null } as EditionStatus,
  }));
  const abort = new AbortController();
  let chain: Promise<unknown> = Promise.resolve();
  let closed = false;

  const sidecar = (edition: GeoEdition) => join(dirname(edition.path), `.${basename(edition.path)}.json`);
  const url = (edition: GeoEdition, suffix: string) =>
    `${options.baseUrl}/geoip/databases/${encodeURIComponent(edition.edition)}/download?suffix=${suffix}`;

  async function installed(edition: GeoEdition): Promise<Installed | null> {
    try {
      return JSON.parse(await readFile(sidecar(edition), 'utf8')) as Installed;
    } catch {
      return null;
    }
  }

  async function request(target: string, method: 'HEAD' | 'GET'): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(target, {
        method,
        headers: { authorization, 'user-agent': 'session-registry-geoip-updater' },
        redirect: 'follow',
        signal: AbortSignal.any([abort.signal, AbortSignal.timeout(timeoutMs)]),
      });
    } catch (error) {
      throw new CheckError(`download server unreachable (${causeOf(error)})`);
    }
    if (response.ok) return response;
    await response.body?.cancel().catch(() => {});
    if (response.status === 401 || response.status === 403) {
      throw new CheckError(`MaxMind refused the account id or license key (HTTP ${response.status})`, null, true);
    }
    if (response.status === 429) {
      throw new CheckError('MaxMind download limit reached (HTTP 429)', retryAfterMs(response.headers.get('retry-after'), now()));
    }
    throw new CheckError(`download server answered HTTP ${response.status}`);
  }

  /** Streams the archive to `file`, returning its SHA-256; refuses more than maxBytes. */
  async function download(target: string, file: string): Promise<string> {
    const response = await request(target, 'GET');
    if (!response.body) throw new CheckError('the archive response has no body');
    const hash = createHash('sha256');
    let bytes = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        if (bytes > maxBytes) return callback(new Error(`the archive is larger than ${maxBytes} bytes`));
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>), meter, createWriteStream(file, { flags: 'wx' }));
    } catch (error) {
      throw new CheckError(`the archive download broke off (${causeOf(error)})`);
    }
    return hash.digest('hex');
  }

  async function check(edition: GeoEdition): Promise<CheckOutcome> {
    const previous = await installed(edition);
    const head = await request(url(edition, 'tar.gz'), 'HEAD');
    const release = releaseName(head.headers.get('content-disposition'));
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

    const checksumResponse = await request(url(edition, 'tar.gz.sha256'), 'GET');
    const checksum = /^([0-9a-f]{64})\b/i.exec((await checksumResponse.text()).trim())?.[1]?.toLowerCase();
    if (!checksum) throw new CheckError('the checksum file does not start with a SHA-256');
    if (loaded !== null && previous?.sha256 === checksum) {
      await record(checksum, false);
      return 'current';
    }

    await mkdir(dirname(edition.path), { recursive: true });
    const stem = join(dirname(edition.path), `.${basename(edition.path)}.${randomBytes(4).toString('hex')}`);
    const archive = `${stem}.tar.gz`;
    const unpacked = `${stem}.mmdb`;
    try {
      const sha256 = await download(url(edition, 'tar.gz'), archive);
      if (sha256 !== checksum) throw new CheckError(`the archive does not match its checksum (got ${sha256.slice(0, 12)}…, expected ${checksum.slice(0, 12)}…)`);
      try {
        await extractMmdb(archive, edition.edition, unpacked, maxBytes);
        await rm(archive, { force: true });
        const db = await loadDatabase(unpacked, edition.expected);
        if (edition.database === 'city' && cityLayoutOf(db.databaseType) !== 'maxmind') {
          throw new Error(`"${db.databaseType}" is not a MaxMind City database`);
        }
      } catch (error) {
        throw new CheckError(error instanceof CheckError ? error.message : `the downloaded database is unusable: ${(error as Error).message}`);
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

  function schedule(state: (typeof states)[number], delayMs: number): void {
    if (closed) return;
    if (state.timer) clearTimeout(state.timer);
    state.status.nextCheckAt = new Date(now() + delayMs).toISOString();
    state.timer = setTimeout(() => void run(state), Math.min(delayMs, 2 ** 31 - 1));
    state.timer.unref();
  }

  /** One check of one edition, after any check under way: one download at a time. */
  function run(state: (typeof states)[number]): Promise<CheckOutcome> {
    const next = chain.then(async (): Promise<CheckOutcome> => {
      if (closed) return 'failed';
      const { edition, status } = state;
      let outcome: CheckOutcome;
      status.lastCheckAt = new Date(now()).toISOString();
      try {
        outcome = await check(edition);
        state.failures = 0;
        status.lastError = null;
        const info = await installed(edition);
        status.release = info?.release ?? status.release;
        if (outcome === 'updated') status.lastUpdateAt = status.lastCheckAt;
        options.logger.info({ edition: edition.edition, outcome, release: status.release }, 'GeoIP database update check finished');
        schedule(state, options.intervalMs);
      } catch (error) {
        outcome = 'failed';
        state.failures += 1;
        const reason = error instanceof Error ? error.message : String(error);
        status.lastError = reason;
        let delay = Math.min(options.intervalMs, retryBaseMs * 2 ** Math.min(state.failures - 1, 20));
        if (error instanceof CheckError && error.credentials) delay = options.intervalMs;
        if (error instanceof CheckError && error.retryAfterMs !== null) delay = Math.max(delay, error.retryAfterMs);
        if (!closed) {
          options.logger.warn(
            { edition: edition.edition, reason, failures: state.failures, retryInMs: delay, keptPrevious: options.loadedBuild(edition.path) !== null },
            'GeoIP database update failed; the previous database stays in use',
          );
        }
        schedule(state, delay);
      }
      options.onOutcome?.(edition.database, outcome);
      return outcome;
    }).catch((): CheckOutcome => 'failed');
    chain = next;
    return next;
  }

  return {
    async start() {
      for (const state of states) {
        const info = await installed(state.edition);
        state.status.release = info?.release ?? null;
        state.status.lastUpdateAt = info?.updatedAt ?? null;
        const exists = await stat(state.edition.path).then(() => true, () => false);
        const checkedAt = info ? Date.parse(info.checkedAt) : Number.NaN;
        const dueIn = Number.isNaN(checkedAt) ? 0 : checkedAt + options.intervalMs - now();
        if (!exists || options.loadedBuild(state.edition.path) === null || dueIn <= 0) void run(state);
        else schedule(state, dueIn);
      }
    },
    async checkNow() {
      const outcomes: CheckOutcome[] = [];
      for (const state of states) outcomes.push(await run(state));
      return outcomes;
    },
    status() {
      return states.map((s) => ({ ...s.status }));
    },
    async close() {
      closed = true;
      abort.abort();
      for (const state of states) if (state.timer) clearTimeout(state.timer);
      await chain;
    },
  };
}

/** "attachment; filename=GeoLite2-City_20260616.tar.gz" → "GeoLite2-City_20260616". */
export function releaseName(disposition: string | null): string | null {
  const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition ?? '');
  const name = match?.[1]?.trim().replace(/\.tar\.gz$/, '');
  return name && /^[A-Za-z0-9._-]{1,128}$/.test(name) ? name : null;
}

/** "GeoLite2-City_20260616" → "2026-06-16". */
function releaseDay(release: string): string | null {
  const match = /_(\d{4})(\d{2})(\d{2})$/.exec(release);
  return match ? `${match[1]}-${match[2]}-${match[3]}` : null;
}

function retryAfterMs(header: string | null, nowMs: number): number | null {
  if (header === null) return null;
  if (/^\d+$/.test(header.trim())) return Math.min(Number(header.trim()) * 1000, DAY_MS);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.min(Math.max(0, at - nowMs), DAY_MS);
}

function causeOf(error: unknown): string {
  const e = error as { message?: string; cause?: { message?: string; code?: string } };
  const parts = [e?.message, e?.cause?.code ?? e?.cause?.message].filter(Boolean);
  return parts.join(': ').split('\n', 1)[0].slice(0, 200) || String(error);
}
