import http from 'node:http';

// A small HTTP client for black-box runs against a spawned service. It never rejects: a network
// failure is a result with status 0 and the error code, so a load loop can keep counting.

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Parsed body when it is JSON. */
  json: any;
  startedAt: number;
  ms: number;
  error: string | null;
  /** The request went out on a kept-alive connection used before. */
  reused: boolean;
}

export interface RequestOptions {
  method?: string;
  path: string;
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
  agent?: http.Agent;
}

export const keepAliveAgent = (maxSockets = 64) => new http.Agent({ keepAlive: true, maxSockets });

export function request(base: string, options: RequestOptions): Promise<HttpResult> {
  const url = new URL(options.path, base);
  const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (payload) {
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = String(payload.length);
  }
  const startedAt = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<HttpResult, 'startedAt' | 'ms' | 'json' | 'reused'>) => {
      if (settled) return;
      settled = true;
      let json: unknown = null;
      if (result.body && /json/.test(String(result.headers['content-type'] ?? ''))) {
        try {
          json = JSON.parse(result.body);
        } catch {
          json = null;
        }
      }
      resolve({ ...result, json, startedAt, ms: Date.now() - startedAt, reused: req.reusedSocket });
    };
    const req = http.request(
      {
        hostname: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: options.method ?? 'GET',
        headers,
        agent: options.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          finish({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), error: null }),
        );
        res.on('error', (error: NodeJS.ErrnoException) => finish({ status: 0, headers: {}, body: '', error: error.code ?? error.message }));
      },
    );
    req.setTimeout(options.timeoutMs ?? 15000, () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => finish({ status: 0, headers: {}, body: '', error: error.code ?? error.message }));
    req.end(payload);
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Calls `body` from `workers` loops until `stop()` is called; resolves when all loops ended. */
export function loop(workers: number, body: (worker: number) => Promise<unknown>) {
  let running = true;
  const done = Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      while (running) await body(worker);
    }),
  );
  return {
    async stop() {
      running = false;
      await done;
    },
  };
}

/** Percentile of a list of numbers (0..100). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
