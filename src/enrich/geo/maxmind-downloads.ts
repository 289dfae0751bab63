import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

// MaxMind's direct-download endpoint, as the updater uses it:
//   HEAD {base}/geoip/databases/{edition}/download?suffix=tar.gz       → release name, no download
//   GET  {base}/geoip/databases/{edition}/download?suffix=tar.gz.sha256 → "<sha256>  <file name>"
//   GET  {base}/geoip/databases/{edition}/download?suffix=tar.gz       → the archive (a redirect)
// Every failure is a CheckError saying what went wrong and when to try again.

export class CheckError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | null = null,
    readonly credentials = false,
  ) {
    super(message);
  }
}

const DAY_MS = 86_400_000;

export interface MaxMindDownloadOptions {
  baseUrl: string;
  accountId: string;
  licenseKey: string;
  /** Bound on one request, body included. */
  timeoutMs: number;
  /** Largest archive accepted. */
  maxBytes: number;
  /** Aborts every request under way (the updater closing). */
  signal: AbortSignal;
  now: () => number;
}

export function createMaxMindDownloads(options: MaxMindDownloadOptions) {
  const authorization = `Basic ${Buffer.from(`${options.accountId}:${options.licenseKey}`).toString('base64')}`;
  const url = (edition: string, suffix: string) =>
    `${options.baseUrl}/geoip/databases/${encodeURIComponent(edition)}/download?suffix=${suffix}`;

  async function request(target: string, method: 'HEAD' | 'GET'): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(target, {
        method,
        headers: { authorization, 'user-agent': 'session-registry-geoip-updater' },
        redirect: 'follow',
        signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]),
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
      throw new CheckError('MaxMind download limit reached (HTTP 429)', retryAfterMs(response.headers.get('retry-after'), options.now()));
    }
    throw new CheckError(`download server answered HTTP ${response.status}`);
  }

  return {
    /** The current release's name (null when the server does not say), without downloading it. */
    async release(edition: string): Promise<string | null> {
      const head = await request(url(edition, 'tar.gz'), 'HEAD');
      return releaseName(head.headers.get('content-disposition'));
    },

    /** The current archive's SHA-256, lower case. */
    async checksum(edition: string): Promise<string> {
      const response = await request(url(edition, 'tar.gz.sha256'), 'GET');
      const checksum = /^([0-9a-f]{64})\b/i.exec((await response.text()).trim())?.[1]?.toLowerCase();
      if (!checksum) throw new CheckError('the checksum file does not start with a SHA-256');
      return checksum;
    },

    /** Streams the archive to `file` (which must not exist), returning its SHA-256; refuses more than maxBytes. */
    async download(edition: string, file: string): Promise<string> {
      const response = await request(url(edition, 'tar.gz'), 'GET');
      if (!response.body) throw new CheckError('the archive response has no body');
      const hash = createHash('sha256');
      let bytes = 0;
      const meter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          bytes += chunk.length;
          if (bytes > options.maxBytes) return callback(new Error(`the archive is larger than ${options.maxBytes} bytes`));
          hash.update(chunk);
          callback(null, chunk);
        },
      });
      try {
        await pipeline(
          Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>),
          meter,
          createWriteStream(file, { flags: 'wx' }),
        );
      } catch (error) {
        throw new CheckError(`the archive download broke off (${causeOf(error)})`);
      }
      return hash.digest('hex');
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
export function releaseDay(release: string): string | null {
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
