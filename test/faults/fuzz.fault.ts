import { fork } from 'node:child_process';
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Test } from 'tap';
import { isPublicIp } from '../../src/enrich/ip.js';
import { login, serviceToken } from '../helper.js';
import { buildConfiguredApp } from './support/app.js';
import { family, iterations, LONG, SEED, type Tally } from './support/family.js';
import type { ClientMessage, FuzzJob } from './support/fuzz-client.js';
import type { Operation, Schema } from './support/fuzz-requests.js';

// Property-based fuzzing of every route the served OpenAPI document lists (so a new route is
// fuzzed without touching this file): bodies, query strings, path parameters, headers and
// tokens, valid-looking and hostile. Every answer must be a documented status, never a 5xx, and
// every error a problem+json document that leaks nothing.
//
// The service runs here, configured as the server configures it (load shedding included), and
// listens on 127.0.0.1; the requests come over HTTP from a client process of its own
// (support/fuzz-client.ts), so what the service measures as its load is its own work. A 503 is a
// finding like any other 5xx.

const RUNS = iterations(200, 3000);
/** Per family: a loaded two-core machine answers a few dozen fuzzed requests a second over HTTP. */
const FAMILY_TIMEOUT_MS = LONG ? 4 * 3600_000 : 1800_000;
const CLIENT = fileURLToPath(new URL('./support/fuzz-client.ts', import.meta.url));
/** MAX_EVENT_LOOP_DELAY_MS as production runs it (the tests' configuration turns shedding off). */
const PRODUCTION_MAX_EVENT_LOOP_DELAY_MS = '1000';

interface Service {
  app: FastifyInstance;
  base: string;
  fixture: FuzzJob['fixture'];
  /** Refreshes the planner's statistics of the service's database. */
  analyze(): Promise<void>;
}

/**
 * Fuzzes `ops` from a client process of its own over loopback HTTP (fuzz-client.ts), and reports
 * each route's requests and violations as they come.
 */
async function fuzzOperations(t: Test, tally: Tally, service: Service, ops: Operation[]): Promise<void> {
  const perRoute: string[] = [];
  const statuses: Record<string, number> = {};
  const undocumented: string[] = [];
  const child = fork(CLIENT, [], { execArgv: ['--import=tsx'], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  // A test server may run without autovacuum, and a long run adds tens of thousands of sessions
  // and events to a database that started empty: without statistics the planner reads a user's
  // rows in keyset order by sorting all of them for every batch. After each route the tables are
  // analyzed, as autovacuum would have done.
  let analyzed = Promise.resolve();
  const finished = new Promise<void>((resolve, reject) => {
    child.on('message', (message: ClientMessage) => {
      if (message.type === 'route') analyzed = analyzed.then(service.analyze);
      if (message.type === 'done') resolve();
      else if (message.type === 'error') reject(new Error(`the fuzzing client failed: ${message.message}`));
      else {
        const r = message.result;
        tally.add(r.runs, r.violations);
        t.same(
          r.kinds,
          [],
          `${r.label}: ${r.runs} requests, ${r.violations} violations${r.first ? `; first: ${JSON.stringify(r.first)}` : ''}`,
        );
        perRoute.push(`${r.label} ${r.runs}${r.refusedByClient ? ` (+${r.refusedByClient} not sendable)` : ''}`);
        for (const [status, n] of Object.entries(r.statuses)) statuses[status] = (statuses[status] ?? 0) + n;
        undocumented.push(...r.undocumented);
      }
    });
    child.on('exit', (code, signal) => reject(new Error(`the fuzzing client exited (${signal ?? code}) before it finished`)));
  });
  child.send({ base: service.base, ops, runs: RUNS, seed: SEED, fixture: service.fixture } satisfies FuzzJob);
  await finished;
  await analyzed;
  tally.note(`seed ${SEED}, ${RUNS} runs per route over loopback HTTP from a client process: ${perRoute.join('; ')}`);
  tally.note(
    `answers: ${Object.entries(statuses)
      .map(([k, v]) => `${k}×${v}`)
      .join(' ')}`,
  );
  // Every status a route answers must be named in that route's own OpenAPI entry.
  t.same(undocumented.sort(), [], "every answered status is in the route's OpenAPI entry");
}

/** The service under test: built as the server builds it, with production load shedding, listening on loopback. */
async function fixture(t: { teardown(fn: () => unknown): void }): Promise<Service> {
  const { app, database } = await buildConfiguredApp(t, { MAX_EVENT_LOOP_DELAY_MS: PRODUCTION_MAX_EVENT_LOOP_DELAY_MS });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
  const sessions = [];
  for (let i = 0; i < 12; i++) {
    const created = await login(app, { userId: ['alice', 'bob', 'carol'][i % 3] });
    sessions.push({ id: created.session.id, token: created.token, userId: created.session.userId });
  }
  const manage = serviceToken(app, 'webhooks:manage sessions:read');
  const webhooks: string[] = [];
  for (const format of ['standard', 'caep', 'standard']) {
    const created = await app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: { authorization: `Bearer ${manage}` },
      payload: { url: 'https://hooks.example.com/in', format },
    });
    webhooks.push(created.json().endpoint.id);
  }
  const analyze = async () => {
    await sql`analyze`.execute(database.db);
  };
  return {
    app,
    base,
    analyze,
    fixture: { doc, write: serviceToken(app), read: serviceToken(app, 'sessions:read'), manage, webhooks, sessions },
  };
}

function operations(doc: Schema, filter: (path: string) => boolean): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries<Schema>(doc.paths)) {
    if (!filter(path)) continue;
    for (const [method, operation] of Object.entries<Schema>(methods)) ops.push({ method: method.toUpperCase(), path, operation });
  }
  return ops;
}

family('fuzz: service routes (service JWT)', { kind: 'attack', unit: 'requests', timeout: FAMILY_TIMEOUT_MS }, async (t, tally) => {
  const service = await fixture(t);
  const ops = operations(service.fixture.doc, (p) => p.startsWith('/v1/') && !p.startsWith('/v1/me'));
  t.ok(ops.length >= 8, `${ops.length} service operations found in the OpenAPI document`);
  await fuzzOperations(t, tally, service, ops);
  // Whatever was sent, no endpoint that was stored points inside the network.
  const stored = (
    await service.app.inject({ method: 'GET', url: '/v1/webhooks', headers: { authorization: `Bearer ${service.fixture.manage}` } })
  ).json().items as Array<{ url: string }>;
  const inside = stored.filter(({ url }) => {
    const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
    return (isIP(host) !== 0 && !isPublicIp(host)) || !host.includes('.') || /(^|\.)(localhost|internal)$/.test(host);
  });
  tally.check(inside.length === 0, `none of the ${stored.length} stored webhook endpoints points inside the network`, {
    inside: inside.map((e) => e.url),
  });
});

family('fuzz: /v1/me routes (session token)', { kind: 'attack', unit: 'requests', timeout: FAMILY_TIMEOUT_MS }, async (t, tally) => {
  const service = await fixture(t);
  const ops = operations(service.fixture.doc, (p) => p.startsWith('/v1/me'));
  t.ok(ops.length >= 7, `${ops.length} /v1/me operations found in the OpenAPI document`);
  await fuzzOperations(t, tally, service, ops);
});

family(
  'fuzz: operations, documents and unknown routes',
  { kind: 'attack', unit: 'requests', timeout: FAMILY_TIMEOUT_MS },
  async (t, tally) => {
    const service = await fixture(t);
    const ops = [
      ...operations(service.fixture.doc, (p) => !p.startsWith('/v1/')),
      { method: 'GET', path: '/openapi.json', operation: {} },
      { method: 'GET', path: '/docs/{rest}', operation: {} },
      { method: 'GET', path: '/v1/{rest}', operation: {} },
      { method: 'POST', path: '/v1/sessions/{id}/{rest}', operation: {} },
    ];
    await fuzzOperations(t, tally, service, ops);
  },
);
