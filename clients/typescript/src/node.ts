import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Body, Result } from './client.js';
import { createSessionHelper, type HelperRequest, type RegistrySession, type SessionHelperOptions } from './helper/core.js';

export type { RegistrySession, SessionCookieOptions, SessionHelperOptions } from './helper/core.js';
export { isSameOrigin } from './helper/core.js';

/** A Node request as Express and Connect hand it on (they add `ip`, `originalUrl` and a parsed `body`). */
export type SessionRequest = IncomingMessage & {
  ip?: string;
  protocol?: string;
  originalUrl?: string;
  body?: unknown;
  registrySession?: RegistrySession | null;
};
type Next = (error?: unknown) => void;
type SignInBody = Omit<Body<'createSession'>, 'ip' | 'userAgent' | 'clientHints'>;

const MAX_BODY = 16 * 1024;

function appendCookie(response: ServerResponse, value: string): void {
  const existing = response.getHeader('set-cookie');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  response.setHeader('set-cookie', [...list, value]);
}

function readBody(request: SessionRequest): Promise<string | undefined> {
  // A body parser (express.json()) may have read the stream already.
  if (request.body !== undefined && request.body !== null && typeof request.body === 'object' && Object.keys(request.body).length > 0) {
    return Promise.resolve(JSON.stringify(request.body));
  }
  if (request.readableEnded) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        request.destroy();
        reject(Object.assign(new Error('request body too large'), { status: 413 }));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(chunks.length > 0 ? Buffer.concat(chunks).toString('utf8') : undefined));
    request.on('error', reject);
  });
}

const asHelperRequest = (request: SessionRequest): HelperRequest => ({
  ip: request.ip,
  headers: request.headers,
  socket: request.socket,
  protocol: request.protocol,
  method: request.method,
  url: request.originalUrl ?? request.url,
});

/**
 * The session helper for Express, Connect and plain `node:http`: `middleware` checks the session
 * cookie on each request (setting `req.registrySession`) and answers the account page's calls under
 * `apiPrefix` by passing them to the registry's /v1/me/*; `signIn` and `signOut` set and clear the cookie.
 */
export function createSessionMiddleware(options: SessionHelperOptions) {
  const helper = createSessionHelper(options);

  async function handle(request: SessionRequest, response: ServerResponse): Promise<boolean> {
    const req = asHelperRequest(request);
    const token = helper.tokenOf(req);
    const target = helper.apiPath(req.url);
    // Recognised in the normal form of the path: `/account/api/m%65/...` is answered 404, with no session check.
    if (target || helper.isApiRequest(req.url)) {
      const answer = await helper.forward(req, target, token, await readBody(request));
      response.writeHead(answer.status, answer.headers);
      response.end(answer.body);
      return true;
    }
    request.registrySession = null;
    if (!token || !helper.shouldCheck(req)) return false;
    const session = await helper.validate(token, req);
    if (!session) appendCookie(response, helper.clearedCookie(req));
    request.registrySession = session;
    return false;
  }

  return {
    helper,
    /** `app.use(sessions.middleware)`; with node:http, call it with a `next` callback. */
    middleware(request: SessionRequest, response: ServerResponse, next: Next): void {
      handle(request, response).then((answered) => {
        if (!answered) next();
      }, next);
    },
    async signIn(request: SessionRequest, response: ServerResponse, body: SignInBody): Promise<Result<'createSession'>> {
      const created = await helper.signIn(asHelperRequest(request), body);
      appendCookie(response, helper.sessionCookie(created.token, asHelperRequest(request)));
      request.registrySession = { id: created.session.id, userId: created.session.userId, expiresAt: created.session.expiresAt };
      return created;
    },
    async signOut(request: SessionRequest, response: ServerResponse): Promise<void> {
      const req = asHelperRequest(request);
      const token = helper.tokenOf(req);
      if (token) await helper.signOut(token, req);
      appendCookie(response, helper.clearedCookie(req));
      request.registrySession = null;
    },
  };
}
