import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../../src/clock.js';
import { buildTestApp, serviceToken } from '../../helper.js';

export interface RunningRegistry {
  app: FastifyInstance;
  /** http://127.0.0.1:<port> */
  url: string;
  /** A service JWT with read and write scopes. */
  token: string;
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

/**
 * A registry on a fresh test database, listening on a free loopback port. It trusts X-Forwarded-For
 * from loopback (TRUST_PROXY), as a deployment names the backends that call it for their users.
 */
export async function startRegistry(t: Teardown, options: { env?: Record<string, string>; clock?: Clock } = {}): Promise<RunningRegistry> {
  const { app } = await buildTestApp(t, { clock: options.clock, env: { TRUST_PROXY: '127.0.0.1', ...options.env } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}`, token: serviceToken(app) };
}

export const USER_AGENTS = {
  chromeMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  firefoxWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0',
  safariIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  immichAndroid: 'Immich_Android_1.120.0',
  ipad: 'Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  googlebot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
} as const;
