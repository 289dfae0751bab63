// An HTTP server on 127.0.0.1 that answers as MaxMind's direct-download endpoint does:
//   GET|HEAD /geoip/databases/{edition}/download?suffix=tar.gz          (basic auth)
//   GET      /geoip/databases/{edition}/download?suffix=tar.gz.sha256   (basic auth)
// both redirecting to a presigned-style URL on another origin (as MaxMind redirects to its storage)
// that serves the file with `Content-Disposition: attachment; filename={edition}_{YYYYMMDD}.tar.gz[.sha256]`.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Release {
  day: string;
  archive: Buffer;
  /** The checksum file's hash; the archive's own when unset. */
  checksum?: string;
}

export interface Fault {
  /** Answer every authenticated request with this status (429, 500…). */
  status?: number;
  retryAfter?: string;
  /** Send the archive's headers (full Content-Length) and this many bytes, then drop the connection. */
  cutAfterBytes?: number;
}

export interface MaxMindServer {
  url: string;
  releases: Map<string, Release>;
  fault: Fault;
  requests: Array<{ method: string; path: string; authorized: boolean }>;
  close(): Promise<void>;
}

export const ACCOUNT_ID = '123456';
export const LICENSE_KEY = 'test_license_key_0123456789';

export async function startMaxMindServer(): Promise<MaxMindServer> {
  const releases = new Map<string, Release>();
  const fault: Fault = {};
  const requests: MaxMindServer['requests'] = [];
  const expected = `Basic ${Buffer.from(`${ACCOUNT_ID}:${LICENSE_KEY}`).toString('base64')}`;

  let storage = '';
  const handler = (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const authorized = request.headers.authorization === expected;
    requests.push({ method: request.method ?? '', path: `${url.pathname}${url.search}`, authorized });
    const download = /^\/geoip\/databases\/([A-Za-z0-9-]+)\/download$/.exec(url.pathname);
    if (download) {
      if (!authorized) return text(response, 401, 'Invalid account ID or license key');
      if (fault.status) {
        if (fault.retryAfter) response.setHeader('retry-after', fault.retryAfter);
        return text(response, fault.status, 'Download limit reached');
      }
      const release = releases.get(download[1]);
      const suffix = url.searchParams.get('suffix');
      if (!release || (suffix !== 'tar.gz' && suffix !== 'tar.gz.sha256')) return text(response, 404, 'Not found');
      response.writeHead(302, { location: `${storage}/presigned/${download[1]}_${release.day}.${suffix}?X-Amz-Signature=abc` });
      return response.end();
    }
    const presigned = /^\/presigned\/([A-Za-z0-9-]+)_(\d{8})\.(tar\.gz|tar\.gz\.sha256)$/.exec(url.pathname);
    const release = presigned ? releases.get(presigned[1]) : undefined;
    if (!presigned || !release || release.day !== presigned[2]) return text(response, 404, 'Not found');
    const name = `${presigned[1]}_${presigned[2]}.${presigned[3]}`;
    const body =
      presigned[3] === 'tar.gz'
        ? release.archive
        : Buffer.from(
            `${release.checksum ?? createHash('sha256').update(release.archive).digest('hex')}  ${presigned[1]}_${presigned[2]}.tar.gz\n`,
          );
    response.writeHead(200, {
      'content-type': presigned[3] === 'tar.gz' ? 'application/gzip' : 'text/plain',
      'content-length': body.length,
      'content-disposition': `attachment; filename=${name}`,
      'last-modified': new Date(`${release.day.slice(0, 4)}-${release.day.slice(4, 6)}-${release.day.slice(6)}T12:00:00Z`).toUTCString(),
    });
    if (request.method === 'HEAD') return response.end();
    if (presigned[3] === 'tar.gz' && fault.cutAfterBytes !== undefined) {
      response.write(body.subarray(0, fault.cutAfterBytes), () => response.socket?.destroy());
      return;
    }
    response.end(body);
  };

  const servers = [createServer(handler), createServer(handler)];
  for (const server of servers) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const [api, files] = servers.map((server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  storage = files;
  return {
    url: api,
    releases,
    fault,
    requests,
    close: async () => {
      for (const server of servers) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}

function text(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'text/plain' });
  response.end(body);
}
