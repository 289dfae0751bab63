import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { systemClock, type Clock } from '../../src/clock.js';
import type { Config } from '../../src/config.js';
import { createDatabase, type DatabasePool } from '../../src/db/database.js';
import { givenGeo, type GeoFeature } from '../../src/enrich/geo/index.js';
import type { GeoLookup } from '../../src/enrich/types.js';
import type { Resolve } from '../../src/events/delivery/destinations.js';
import { createEvents, eventSettings, type Events } from '../../src/events/index.js';
import {
  call,
  createTestDatabase,
  createTestSessions,
  openTestGeo,
  serviceToken,
  silentLogger,
  testConfig,
  type TestDatabase,
  type TestSessions,
} from '../helper.js';

// Events tests: an app whose events feature resolves names without the network (only
// "localhost", to 127.0.0.1, unless a test gives its own table), and receivers on 127.0.0.1.
// Nothing here ever opens a connection to anything else.

interface Teardown {
  teardown(fn: () => unknown): void;
}

export const SECRETS_KEY = randomBytes(32).toString('base64');

/** Names as a test decides; anything else does not resolve. No packet leaves the machine. */
export function tableResolver(table: Record<string, string[]> = { localhost: ['127.0.0.1'] }): Resolve & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (hostname: string) => {
    calls.push(hostname);
    const addresses = table[hostname.toLowerCase()];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? (6 as const) : (4 as const) }));
  };
  return Object.assign(resolve, { calls });
}

/** Fast retries and polls, receivers on loopback allowed. */
export function eventEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    WEBHOOK_SECRETS_KEY: SECRETS_KEY,
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    WEBHOOK_RETRY_SCHEDULE: '100ms,200ms,300ms',
    WEBHOOK_POLL_INTERVAL_MS: '50',
    ...extra,
  };
}

export const noGeo: GeoLookup = {
  lookup: () => null,
  status: () => ({ state: 'degraded', path: '', databaseType: null, buildEpoch: null, error: null, databases: [] }),
  close: async () => {},
};

export interface EventsApp extends TestSessions {
  app: FastifyInstance;
  db: TestDatabase;
  handle: DatabasePool;
  events: Events;
  config: Config;
  /** A token with webhooks:manage and sessions:read: what creating an endpoint or changing its URL takes. */
  manage: string;
  /** A token with webhooks:manage alone. */
  manageOnly: string;
}

export async function buildEventsApp(
  t: Teardown,
  options: {
    env?: Record<string, string>;
    resolve?: Resolve;
    background?: boolean;
    clock?: Clock;
    db?: TestDatabase;
    realGeo?: boolean;
  } = {},
): Promise<EventsApp> {
  const db = options.db ?? (await createTestDatabase());
  const config = testConfig(db.url, eventEnv(options.env));
  const handle = createDatabase({ connectionString: db.url, poolSize: 5 });
  const geo: GeoFeature = options.realGeo ? await openTestGeo(t, config) : givenGeo(noGeo);
  const parts = createTestSessions(config, handle, { clock: options.clock, geo: geo.geo });
  const events = createEvents({
    ...eventSettings(config),
    database: handle,
    clock: options.clock ?? systemClock,
    logger: silentLogger,
    resolve: options.resolve ?? tableResolver(),
    background: options.background ?? true,
  });
  const app = await buildApp({ config, database: handle, clock: options.clock, geo, sessions: parts.sessions, events, logger: false });
  await app.ready();
  t.teardown(async () => {
    await app.close();
    await handle.close();
    if (!options.db) await db.drop();
  });
  return {
    app,
    db,
    handle,
    events,
    config,
    manage: serviceToken(app, 'webhooks:manage sessions:read'),
    manageOnly: serviceToken(app, 'webhooks:manage'),
    ...parts,
  };
}

export async function createWebhook(
  app: FastifyInstance,
  token: string,
  body: Record<string, unknown>,
): Promise<{ endpoint: any; secret: string }> {
  const response = await call(app, token, { method: 'POST', url: '/v1/webhooks', payload: body });
  if (response.statusCode !== 201) throw new Error(`webhook not created: ${response.statusCode} ${response.body}`);
  return response.json();
}

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
  /** What the receiver answered (0: nothing). */
  status: number;
}

/** Decides each answer: a status, or 'hang' to never answer. */
export type Responder = (
  request: Received,
  index: number,
) => number | 'hang' | { status: number; headers?: Record<string, string>; delayMs?: number };

/** An HTTP receiver on 127.0.0.1 that records every request. */
export async function startReceiver(t: Teardown, responder: Responder = () => 200) {
  const received: Received[] = [];
  let answer = responder;
  const hanging = new Set<ServerResponse>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry: Received = { headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now(), status: 0 };
      received.push(entry);
      const decided = answer(entry, received.length - 1);
      if (decided === 'hang') {
        hanging.add(response);
        return;
      }
      const { status, headers, delayMs } = typeof decided === 'number' ? { status: decided, headers: {}, delayMs: 0 } : decided;
      const send = () => {
        // A client that is gone never received the answer.
        if (response.destroyed || request.socket.destroyed) return;
        entry.status = status;
        response.writeHead(status, headers ?? {}).end();
      };
      if (delayMs) setTimeout(send, delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const close = () =>
    new Promise<void>((resolve) => {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  t.teardown(close);
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    port,
    received,
    respond(next: Responder) {
      answer = next;
    },
    close,
    /** Listens again on the same port (after close). */
    reopen: () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve)),
  };
}

export { call, serviceToken };
