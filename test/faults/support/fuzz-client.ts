import http from 'node:http';
import fc from 'fast-check';
import {
  FRESH,
  judge,
  requestFor,
  SELF,
  sentText,
  SIBLING,
  SUCCESS_LEAKS,
  type Fixture,
  type FuzzAnswer,
  type FuzzRequest,
  type Operation,
  type Violation,
} from './fuzz-requests.js';

// The fuzzing client: a process of its own (forked by fuzz.fault.ts) that generates requests,
// sends them over loopback HTTP to the service under test, and judges the answers. Generation,
// shrinking and the memory of what was sent cost this process, not the service's: load shedding
// in the service measures only the service's own work.

/** What the parent sends: where the service listens, what to fuzz, and the fixture's data. */
export interface FuzzJob {
  base: string;
  ops: Operation[];
  runs: number;
  seed: number;
  fixture: Omit<Fixture, 'sent' | 'made'>;
}

/** One route's outcome, sent back as soon as its runs end. */
export interface RouteResult {
  label: string;
  runs: number;
  /** Generated requests the HTTP client would not send (an invalid header, say): not trials. */
  refusedByClient: number;
  violations: number;
  kinds: string[];
  first: Violation | null;
  statuses: Record<string, number>;
  undocumented: string[];
}

export type ClientMessage = { type: 'route'; result: RouteResult } | { type: 'done' } | { type: 'error'; message: string };

const CHROME_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

/**
 * Sends a request on a connection of its own (an answer that closes its connection cannot race the
 * next request); 'refused' when the client will not build it, status 0 when no answer came. */
function send(base: string, request: FuzzRequest): Promise<FuzzAnswer | 'refused'> {
  const url = new URL(base);
  const headers: Record<string, string> = { ...request.headers };
  // As the test injector sends it: a length for any body, and no chunked encoding without one.
  if (request.payload !== undefined) headers['content-length'] = String(Buffer.byteLength(request.payload));
  else if (request.method !== 'GET' && request.method !== 'HEAD') headers['content-length'] = '0';
  return new Promise((resolve) => {
    let req: http.ClientRequest;
    try {
      req = http.request(
        { hostname: url.hostname, port: url.port, path: request.url, method: request.method, headers, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', (error: NodeJS.ErrnoException) =>
            resolve({ statusCode: 0, headers: {}, body: `no answer: ${error.code ?? error.message}` }),
          );
        },
      );
    } catch {
      resolve('refused');
      return;
    }
    req.setTimeout(30000, () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ statusCode: 0, headers: {}, body: `no answer: ${error.code ?? error.message}` }),
    );
    req.end(request.payload);
  });
}

async function login(base: string, write: string, userId: string): Promise<{ id: string; token: string; userId: string }> {
  const answer = await send(base, {
    method: 'POST',
    url: '/v1/sessions',
    headers: { authorization: `Bearer ${write}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ userId, userAgent: CHROME_MAC, ip: '81.2.69.142' }),
  });
  if (answer === 'refused' || answer.statusCode !== 201)
    throw new Error(`login failed: ${answer === 'refused' ? 'refused' : `${answer.statusCode} ${answer.body.slice(0, 300)}`}`);
  const created = JSON.parse(answer.body) as { session: { id: string; userId: string }; token: string };
  return { id: created.session.id, token: created.token, userId: created.session.userId };
}

/** Fills the placeholders with sessions made for this request (earlier runs may have ended the pool's). */
async function materialise(base: string, fx: Fixture, request: FuzzRequest): Promise<FuzzRequest> {
  const auth = request.headers.authorization ?? '';
  if (!auth.includes(FRESH) && !request.url.includes(SELF) && !request.url.includes(SIBLING)) return request;
  const userId = ['alice', 'bob', 'carol'][fx.made++ % 3];
  const [own, sibling] = await Promise.all([login(base, fx.write, userId), login(base, fx.write, userId)]);
  const headers = { ...request.headers };
  if (headers.authorization) headers.authorization = headers.authorization.replace(FRESH, own.token);
  return { ...request, headers, url: request.url.replace(SELF, own.id).replace(SIBLING, sibling.id) };
}

const ECHOABLE = new RegExp(SUCCESS_LEAKS.source, 'i');

async function fuzzRoute(job: FuzzJob, fx: Fixture, op: Operation): Promise<RouteResult> {
  const violations: Violation[] = [];
  const statuses: Record<string, number> = {};
  const undocumented = new Set<string>();
  let runs = 0;
  let refusedByClient = 0;
  // Fresh sessions for each route: earlier runs may have logged some out.
  fx.sessions.push(
    ...(await Promise.all(Array.from({ length: 6 }, (_, i) => login(job.base, fx.write, ['alice', 'bob', 'carol'][i % 3])))),
  );
  await fc.assert(
    fc.asyncProperty(requestFor(op, fx), async (generated) => {
      const request = await materialise(job.base, fx, generated);
      const response = await send(job.base, request);
      if (response === 'refused') {
        refusedByClient++;
        return true;
      }
      runs++;
      statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
      if (op.operation.responses && !(String(response.statusCode) in op.operation.responses))
        undocumented.add(`${op.method} ${op.path} ${response.statusCode}`);
      const text = sentText(request);
      if (ECHOABLE.test(text)) fx.sent.push(text);
      const why = response.statusCode === 0 ? response.body : judge(op, request, response, fx.sent);
      if (why) {
        violations.push({
          request: `${request.method} ${request.url.slice(0, 200)} ${JSON.stringify(request.headers).slice(0, 300)} ${String(request.payload ?? '').slice(0, 300)}`,
          status: response.statusCode,
          body: response.body.slice(0, 300),
          why,
        });
      }
      return true;
    }),
    { numRuns: job.runs, seed: job.seed },
  );
  return {
    label: `${op.method} ${op.path}`,
    runs,
    refusedByClient,
    violations: violations.length,
    kinds: [...new Set(violations.map((v) => `${v.why} (${v.status})`))],
    first: violations[0] ?? null,
    statuses,
    undocumented: [...undocumented],
  };
}

async function run(job: FuzzJob): Promise<void> {
  const fx: Fixture = { ...job.fixture, sessions: [...job.fixture.sessions], sent: [], made: 0 };
  for (const op of job.ops) {
    const result = await fuzzRoute(job, fx, op);
    process.send?.({ type: 'route', result } satisfies ClientMessage);
  }
}

// A client whose parent is gone has nobody to report to.
process.on('disconnect', () => process.exit(1));
process.once('message', (job: FuzzJob) => {
  run(job).then(
    () => process.send?.({ type: 'done' } satisfies ClientMessage, () => process.exit(0)),
    // fast-check keeps what the property threw as the cause: that is the finding.
    (error: unknown) =>
      process.send?.(
        {
          type: 'error',
          message: `${String(error)}${(error as Error).cause ? `; cause: ${String((error as Error).cause)}` : ''}`,
        } satisfies ClientMessage,
        () => process.exit(1),
      ),
  );
});
