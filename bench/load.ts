// Load generation (autocannon, in this process) and a plain keep-alive client for sequential calls.
// Latencies are taken from every response with sub-millisecond resolution, not from autocannon's
// whole-millisecond histogram.
import http from 'node:http';
import autocannon, { type Request } from 'autocannon';

export interface LoadResult {
  seconds: number;
  requests: number;
  ok: number;
  statuses: Record<string, number>;
  errors: number;
  /** Successful responses per second. */
  rps: number;
  p50: number;
  p99: number;
  max: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  seconds?: number;
  amount?: number;
  overallRate?: number;
  method: string;
  headers?: Record<string, string>;
  body?: string;
  /** Chooses the path (and optionally body and headers) of each request. */
  next(): { path: string; body?: string; headers?: Record<string, string> };
  /** Called with the instance once it runs (to stop it early). */
  started?(stop: () => void): void;
  onResponse?(status: number): void;
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export function summarize(values: number[]): { p50: number; p99: number; max: number } {
  const sorted = Float64Array.from(values).sort();
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.length ? sorted[sorted.length - 1] : Number.NaN };
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const request: Request = {
    method: options.method,
    headers: { ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers },
    body: options.body,
    setupRequest: (req) => {
      const next = options.next();
      req.path = next.path;
      if (next.body !== undefined) req.body = next.body;
      if (next.headers !== undefined) req.headers = { ...request.headers, ...next.headers };
      return req;
    },
  };
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let ok = 0;
  const started = process.hrtime.bigint();
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    pipelining: 1,
    timeout: 10,
    ...(options.amount !== undefined ? { amount: options.amount } : { duration: options.seconds ?? 10 }),
    ...(options.overallRate !== undefined ? { overallRate: options.overallRate } : {}),
    requests: [request],
  });
  instance.on('response', (_client, status, _bytes, ms) => {
    statuses[status] = (statuses[status] ?? 0) + 1;
    options.onResponse?.(status);
    if (status >= 200 && status < 300) {
      ok++;
      latencies.push(ms);
    }
  });
  options.started?.(() => instance.stop());
  const result = await instance;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const total = Object.values(statuses).reduce((a, b) => a + b, 0);
  return { seconds, requests: total, ok, statuses, errors: result.errors + result.timeouts, rps: ok / seconds, ...summarize(latencies) };
}

/**
 * Open-loop load at an even rate: request i is due at i / rate seconds and its latency counts
 * from that moment, so a slow server cannot slow the offered load down and hide its queue
 * (autocannon's overallRate instead sends each connection's quota for a second in one burst).
 */
export async function runPaced(options: {
  url: string;
  rate: number;
  seconds: number;
  method: string;
  headers: Record<string, string>;
  next(): { path: string; body?: string };
}): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const url = new URL(options.url);
  const total = Math.round(options.rate * options.seconds);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let ok = 0;
  let errors = 0;
  const inFlight = new Set<Promise<void>>();
  const started = process.hrtime.bigint();
  const elapsedMs = () => Number(process.hrtime.bigint() - started) / 1e6;
  const send = (dueMs: number) => {
    const { path, body } = options.next();
    const done = new Promise<void>((resolve) => {
      const req = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method: options.method,
          path,
          headers: {
            ...options.headers,
            ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            statuses[status] = (statuses[status] ?? 0) + 1;
            if (status >= 200 && status < 300) {
              ok++;
              latencies.push(elapsedMs() - dueMs);
            }
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(body);
    });
    inFlight.add(done);
    void done.then(() => inFlight.delete(done));
  };
  for (let i = 0; i < total;) {
    const now = elapsedMs();
    while (i < total && (i * 1000) / options.rate <= now) {
      send((i * 1000) / options.rate);
      i++;
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(inFlight);
  const seconds = elapsedMs() / 1000;
  agent.destroy();
  const requests = Object.values(statuses).reduce((a, b) => a + b, 0);
  return { seconds, requests, ok, statuses, errors, rps: ok / seconds, ...summarize(latencies) };
}

/** One keep-alive connection pool for sequential calls whose timing matters. */
export function createClient(base: string, token: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const url = new URL(base);
  return {
    call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown; ms: number }> {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const started = process.hrtime.bigint();
      return new Promise((resolve, reject) => {
        const req = http.request(
          {
            agent,
            host: url.hostname,
            port: url.port,
            method,
            path,
            headers: {
              authorization: `Bearer ${token}`,
              ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const ms = Number(process.hrtime.bigint() - started) / 1e6;
              const text = Buffer.concat(chunks).toString('utf8');
              let json: unknown = null;
              try {
                json = text ? JSON.parse(text) : null;
              } catch {
                json = text;
              }
              resolve({ status: res.statusCode ?? 0, json, ms });
            });
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(payload);
      });
    },
    close() {
      agent.destroy();
    },
  };
}

export type Client = ReturnType<typeof createClient>;
