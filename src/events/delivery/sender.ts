import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { bareHost, resolveDestination, type DestinationPolicy, DestinationRefusedError } from './destinations.js';

// One HTTP POST to an endpoint: connected to the address the destination check approved (the
// socket's lookup answers with it; nothing resolves the name again), redirects not followed,
// the whole exchange bounded by the timeout, the answer's body read and dropped.

export interface Outgoing {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface SendResult {
  ok: boolean;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
}

/** Of the answer's body, at most this much is read before the connection is dropped. */
const MAX_ANSWER_BYTES = 64 * 1024;

export function createSender(options: { policy: DestinationPolicy; timeoutMs: number; maxSockets: number }) {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: options.maxSockets }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: options.maxSockets }),
  };

  function post(url: URL, address: { address: string; family: 4 | 6 }, outgoing: Outgoing, started: number): Promise<SendResult> {
    const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
      const cb = callback as (error: Error | null, address: string | Array<{ address: string; family: number }>, family?: number) => void;
      if ((lookupOptions as { all?: boolean }).all) cb(null, [address]);
      else cb(null, address.address, address.family);
    };
    const client = url.protocol === 'https:' ? https : http;
    return new Promise((resolve) => {
      let settled = false;
      let timedOut = false;
      const done = (statusCode: number | null, error: string | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const ok = error === null && statusCode !== null && statusCode >= 200 && statusCode < 300;
        resolve({ ok, statusCode, durationMs: Math.round(performance.now() - started), error });
      };
      const host = bareHost(url);
      const request = client.request(url, {
        method: 'POST',
        agent: agents[url.protocol as 'http:' | 'https:'],
        lookup: pinned,
        headers: { ...outgoing.headers, 'content-length': String(Buffer.byteLength(outgoing.body)) },
        // SNI and the certificate check use the name, whatever address the socket went to.
        ...(isIP(host) === 0 ? { servername: host } : {}),
      });
      const timer = setTimeout(
        () => {
          timedOut = true;
          request.destroy();
        },
        Math.max(1, options.timeoutMs - (performance.now() - started)),
      );
      const failed = (error: Error) =>
        done(null, timedOut ? `no answer within ${options.timeoutMs} ms` : error.message || 'connection failed');
      request.on('error', failed);
      request.on('response', (response) => {
        const status = response.statusCode ?? 0;
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_ANSWER_BYTES) response.destroy();
        });
        response.on('error', () => {});
        const finish = () => {
          if (timedOut) return done(status, `no complete answer within ${options.timeoutMs} ms`);
          done(
            status,
            status >= 300 && status < 400
              ? `redirect (${status}) not followed`
              : status >= 200 && status < 300
                ? null
                : `answered ${status}`,
          );
        };
        response.on('end', finish);
        response.on('close', finish);
      });
      request.end(outgoing.body);
    });
  }

  return {
    /** Checks the destination again, then posts; a refused destination is an attempt that failed without a connection. */
    async send(outgoing: Outgoing): Promise<SendResult> {
      const started = performance.now();
      let url: URL;
      let address: { address: string; family: 4 | 6 };
      try {
        url = new URL(outgoing.url);
        address = await resolveDestination(url, options.policy);
      } catch (error) {
        const message = error instanceof DestinationRefusedError ? `refused: ${error.message}` : (error as Error).message;
        return { ok: false, statusCode: null, durationMs: Math.round(performance.now() - started), error: message };
      }
      return post(url, address, outgoing, started);
    },
    close(): void {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}

export type Sender = ReturnType<typeof createSender>;
