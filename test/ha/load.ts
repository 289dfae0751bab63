// The failover test's load, in a process of its own (forked by failover.ts): logins at a steady
// rate, heartbeats (service and user) from a pool of sessions, revocations and renames of sessions
// logged in during the run, all through the front HAProxy; /readyz of each instance directly.
// Everything answered is recorded; on "stop" the records go to a JSON file for the assertions.
import http from 'node:http';
import { writeFileSync } from 'node:fs';

export interface LoadSettings {
  frontUrl: string;
  token: string;
  instances: Array<{ name: string; url: string }>;
  loginsPerSecond: number;
  heartbeatWorkers: number;
  revokesPerSecond: number;
  renamesPerSecond: number;
  poolSize: number;
  outFile: string;
}

/** One answer: when it was sent (ms since epoch), how long it took, what came back, and who answered. */
export interface Answer {
  sentAt: number;
  ms: number;
  status: number;
  /** Index of the registry instance that answered (X-Served-By), -1 when unknown. */
  servedBy: number;
  /** A 503 that is problem+json with Retry-After. */
  clean503: boolean;
  /** The problem's code (or the start of the body) of a 5xx that is not a clean 503. */
  detail?: string;
}
export interface Beat extends Answer {
  kind: 'service' | 'me';
  session: number;
}
export interface Login extends Answer {
  n: number;
  id: string | null;
  token: string | null;
}
export interface Revoke extends Answer {
  id: string;
  token: string;
}
export interface Rename extends Answer {
  id: string;
  name: string;
}
export interface Ready {
  at: number;
  instance: number;
  status: number;
  checks: Record<string, unknown> | null;
}
export interface LoadRecord {
  pool: Array<{ id: string; token: string }>;
  beats: Beat[];
  logins: Login[];
  revokes: Revoke[];
  renames: Rename[];
  ready: Ready[];
  /** Revocations asked for by the parent (revoke-now), with when they were acknowledged. */
  marked: Array<{ session: number; status: number; doneAt: number; servedBy: number }>;
}

const settings = JSON.parse(process.env.HA_LOAD as string) as LoadSettings;
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const instanceIndex = new Map(settings.instances.map((instance, i) => [instance.name, i]));

interface Result {
  status: number;
  json: any;
  sentAt: number;
  ms: number;
  servedBy: number;
  clean503: boolean;
  detail?: string;
}

function call(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<Result> {
  const url = new URL(path, base);
  const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
  // The end user's address, as a balancer in front of the registry passes it on (TRUST_PROXY is
  // loopback in the test): the address the sessions logged in from, so a user's own heartbeat is
  // seen from where the session is.
  const headers: Record<string, string> = { 'x-forwarded-for': IP };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (payload) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(payload.length);
  }
  const sentAt = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (status: number, head: http.IncomingHttpHeaders, body: string, error?: string) => {
      if (settled) return;
      settled = true;
      let json: any = null;
      if (/json/.test(String(head['content-type'] ?? ''))) {
        try {
          json = JSON.parse(body);
        } catch {
          json = null;
        }
      }
      const clean503 =
        status === 503 &&
        head['retry-after'] !== undefined &&
        /application\/problem\+json/.test(String(head['content-type'] ?? '')) &&
        json?.code === 'service_unavailable';
      const servedBy = instanceIndex.get(String(head['x-served-by'] ?? '')) ?? -1;
      const detail =
        status === 0
          ? `no answer: ${error ?? 'unknown'}${reused ? ' on a reused connection' : ''}`
          : status >= 500 && !clean503
            ? `${servedBy < 0 ? 'proxy' : 'registry'}: ${json?.code ?? body.slice(0, 80).replace(/\s+/g, ' ')}${head['retry-after'] === undefined ? '' : ' (Retry-After)'}`
            : undefined;
      resolve({ status, json, sentAt, ms: Date.now() - sentAt, servedBy, clean503, ...(detail ? { detail } : {}) });
    };
    const req = http.request({ hostname: url.hostname, port: url.port, path: url.pathname + url.search, method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => finish(res.statusCode ?? 0, res.headers, Buffer.concat(chunks).toString('utf8')));
      res.on('error', (error: NodeJS.ErrnoException) => finish(0, {}, '', error.code ?? error.message));
    });
    let reused = false;
    req.on('socket', () => {
      reused = req.reusedSocket;
    });
    req.setTimeout(options.timeoutMs ?? 30000, () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => finish(0, {}, '', error.code ?? error.message));
    req.end(payload);
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const answer = (r: Result): Answer => ({
  sentAt: r.sentAt,
  ms: r.ms,
  status: r.status,
  servedBy: r.servedBy,
  clean503: r.clean503,
  ...(r.detail ? { detail: r.detail } : {}),
});
const front = settings.frontUrl;
const token = settings.token;
const IP = '81.2.69.142';
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

const record: LoadRecord = { pool: [], beats: [], logins: [], revokes: [], renames: [], ready: [], marked: [] };

// The pool the heartbeats use: logged in before the run (and so cached by the instance that made
// them; the other caches them on its first heartbeat).
for (let i = 0; i < settings.poolSize; i++) {
  for (;;) {
    const r = await call(front, 'POST', '/v1/sessions', { token, body: { userId: `pool-${i % 200}`, ip: IP, userAgent: UA } });
    if (r.status === 201) {
      record.pool.push({ id: r.json.session.id, token: r.json.token });
      break;
    }
    await sleep(200);
  }
}

// Every pool session heartbeated once on each instance directly (both kinds), so that each
// instance holds all of them: the availability figure is about sessions an instance holds.
for (const instance of settings.instances) {
  const queue = [...record.pool];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let s = queue.pop(); s; s = queue.pop()) {
        await call(instance.url, 'POST', `/v1/sessions/${s.id}/heartbeat`, { token, body: { pageViews: 0 } });
        await call(instance.url, 'POST', '/v1/me/heartbeat', { token: s.token, body: { pageViews: 0 } });
      }
    }),
  );
}

let running = true;
const revoked = new Set<number>();
const loops: Array<Promise<void>> = [];

// Heartbeats: each worker alternates the service heartbeat and the user's own, over the pool.
for (let w = 0; w < settings.heartbeatWorkers; w++) {
  loops.push(
    (async () => {
      let k = w;
      while (running) {
        const session = Math.floor(Math.random() * record.pool.length);
        const s = record.pool[session];
        const kind = k++ % 2 === 0 ? 'service' : 'me';
        const r =
          kind === 'service'
            ? await call(front, 'POST', `/v1/sessions/${s.id}/heartbeat`, { token, body: { pageViews: 1 } })
            : await call(front, 'POST', '/v1/me/heartbeat', { token: s.token, body: { pageViews: 1 } });
        record.beats.push({ ...answer(r), kind, session });
        if (r.status === 0) await sleep(20);
      }
    })(),
  );
}

// Paced loops: `perSecond` starts a second, each one in flight at most `maxInFlight` at a time.
function paced(perSecond: number, maxInFlight: number, body: (n: number) => Promise<void>) {
  loops.push(
    (async () => {
      let n = 0;
      let inFlight = 0;
      const started = Date.now();
      while (running) {
        const due = started + (n * 1000) / perSecond;
        if (Date.now() < due) {
          await sleep(Math.min(50, due - Date.now()));
          continue;
        }
        if (inFlight >= maxInFlight) {
          await sleep(5);
          continue;
        }
        inFlight++;
        void body(n++).finally(() => inFlight--);
      }
      while (inFlight > 0) await sleep(10);
    })(),
  );
}

const loggedIn: Array<{ id: string; token: string }> = [];
paced(settings.loginsPerSecond, 200, async (n) => {
  const r = await call(front, 'POST', '/v1/sessions', {
    token,
    body: { userId: `login-${n}`, ip: IP, userAgent: UA, metadata: { n: String(n) } },
  });
  const ok = r.status === 201;
  record.logins.push({ ...answer(r), n, id: ok ? r.json.session.id : null, token: ok ? r.json.token : null });
  if (ok) loggedIn.push({ id: r.json.session.id, token: r.json.token });
});

// Revocations and renames take sessions logged in during the run, each its own.
let renames = 0;
paced(settings.revokesPerSecond, 50, async () => {
  const s = loggedIn.shift();
  if (!s) return;
  const r = await call(front, 'DELETE', `/v1/sessions/${s.id}?reason=admin`, { token });
  record.revokes.push({ ...answer(r), id: s.id, token: s.token });
});
paced(settings.renamesPerSecond, 50, async () => {
  const s = loggedIn.shift();
  if (!s) return;
  const name = `Device ${++renames}`;
  const r = await call(front, 'PATCH', `/v1/sessions/${s.id}`, { token, body: { name } });
  record.renames.push({ ...answer(r), id: s.id, name });
});

// Readiness of each instance, directly.
loops.push(
  (async () => {
    while (running) {
      await Promise.all(
        settings.instances.map(async (instance, i) => {
          const r = await call(instance.url, 'GET', '/readyz', { timeoutMs: 5000 });
          const checks = r.json?.checks ? { ...r.json.checks } : null;
          if (checks) {
            delete checks.geoData;
            delete checks.geoUpdates;
          }
          record.ready.push({ at: r.sentAt, instance: i, status: r.status, checks });
        }),
      );
      await sleep(250);
    }
  })(),
);

process.on('message', (message: { type: string; count?: number }) => {
  if (message.type === 'revoke-now') {
    // Sessions of the pool, revoked through the front: the heartbeats keep asking about them.
    const chosen = Array.from({ length: message.count ?? 10 }, (_, i) => i * 3).filter((i) => i < record.pool.length && !revoked.has(i));
    void Promise.all(
      chosen.map(async (session) => {
        revoked.add(session);
        for (;;) {
          const r = await call(front, 'DELETE', `/v1/sessions/${record.pool[session].id}?reason=admin`, { token });
          if (r.status === 200 || !running) {
            record.marked.push({ session, status: r.status, doneAt: r.sentAt + r.ms, servedBy: r.servedBy });
            return;
          }
          await sleep(100);
        }
      }),
    ).then(() => process.send?.({ type: 'revoked', marked: record.marked }));
  }
  if (message.type === 'stop') {
    running = false;
    void Promise.all(loops).then(() => {
      writeFileSync(settings.outFile, JSON.stringify(record));
      agent.destroy();
      process.send?.({ type: 'stopped' }, () => process.exit(0));
    });
  }
});
process.send?.({ type: 'ready' });
