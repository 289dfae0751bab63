import type { Body, RegistryClient, Result } from '../client.js';
import { RegistryError } from '../errors.js';
import type { operations } from '../generated/schema.js';
import { EXPORT_TIMEOUT_MS } from '../methods/account-controls.js';
import { userContext, type IncomingLike } from '../user-context.js';

// What the Fastify plugin and the Node/Express middleware share: the cookie, the per-request check,
// and the pass-through of the account page's calls. Framework-free, so both behave alike.

export interface SessionCookieOptions {
  /**
   * Default `__Host-sr_session` on a request that arrived over https (the browser then binds the
   * cookie to this host, Secure and Path=/, out of reach of sibling subdomains), `sr_session` over
   * plain http (development) and whenever `domain` is set or `path` is not `/`, which `__Host-` forbids.
   */
  name?: string;
  /** Default `/`. */
  path?: string;
  domain?: string;
  /** Default true. Browsers keep Secure cookies of http://localhost too, so leave it on in development. */
  secure?: boolean;
  /** Default `Lax`: the cookie is not sent with other sites' POST, DELETE or fetch requests. */
  sameSite?: 'Lax' | 'Strict';
  /** Cookie lifetime; default the session's absolute lifetime is left to the registry (a browser-session cookie). */
  maxAgeSeconds?: number;
}

export interface SessionHelperOptions {
  client: RegistryClient;
  cookie?: SessionCookieOptions;
  /** Where the account page's calls arrive; `{apiPrefix}/sessions` is passed to `/v1/me/sessions`. Default `/account/api/me`. */
  apiPrefix?: string;
  /** Whether a request is a page view (counted on the session). Default: a GET for an HTML page. */
  isPageView?: (request: HelperRequest) => boolean;
  /**
   * Whether to check the cookie on this request at all. Default every request; leave out static
   * files so that one page load costs one call (the registry rate-limits each token, 600 a minute by default).
   */
  shouldCheck?: (request: HelperRequest) => boolean;
}

export interface HelperRequest extends IncomingLike {
  method?: string;
  url?: string;
  /** The framework's view of the scheme (Fastify's and Express's `protocol`, which honour their trust-proxy setting). */
  protocol?: string;
}

/** The signed-in session of a request, as the registry confirmed it. */
export interface RegistrySession {
  id: string;
  userId: string;
  expiresAt: string;
}

export interface ForwardedAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const MAX_FORWARD_BODY = 16 * 1024;
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const FORWARDED_METHODS = new Set(['GET', 'POST', 'PATCH', 'DELETE']);

export interface PageOperation {
  operation: keyof operations;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** The path below /v1/me; a session id is one segment. */
  path: RegExp;
  timeoutMs?: number;
}

/**
 * The /v1/me operations an account page makes, and only those are passed on: a route the registry
 * gains later reaches browsers once it is added here, not before.
 */
export const PAGE_OPERATIONS: readonly PageOperation[] = [
  { operation: 'listMySessions', method: 'GET', path: /^\/sessions$/ },
  { operation: 'getMySession', method: 'GET', path: /^\/sessions\/[^/]+$/ },
  { operation: 'listMySessionEvents', method: 'GET', path: /^\/sessions\/[^/]+\/events$/ },
  { operation: 'endMySession', method: 'DELETE', path: /^\/sessions\/[^/]+$/ },
  { operation: 'endMyOtherSessions', method: 'POST', path: /^\/sessions\/revoke-others$/ },
  { operation: 'nameMySession', method: 'PATCH', path: /^\/sessions\/[^/]+$/ },
  { operation: 'confirmMySession', method: 'POST', path: /^\/sessions\/[^/]+\/confirm$/ },
  { operation: 'reportMySession', method: 'POST', path: /^\/sessions\/[^/]+\/report$/ },
  { operation: 'heartbeatMySession', method: 'POST', path: /^\/heartbeat$/ },
  { operation: 'logout', method: 'POST', path: /^\/logout$/ },
  // The whole document passes through the backend's memory: it gets the time a large one takes.
  { operation: 'exportMyData', method: 'GET', path: /^\/export$/, timeoutMs: EXPORT_TIMEOUT_MS },
];

export function pageOperation(method: string, path: string): PageOperation | null {
  return PAGE_OPERATIONS.find((op) => op.method === method && op.path.test(path)) ?? null;
}

/** The form of a registry session token ("sr1_" + 32 hex digits + 43 base64url characters). */
const SESSION_TOKEN = /^sr1_[0-9a-f]{32}[A-Za-z0-9_-]{43}$/;

/** Whether a cookie's value can be a session token at all; any other value is a signed-out browser. */
export function isSessionTokenForm(value: string): boolean {
  return SESSION_TOKEN.test(value);
}

/** Whether the request reached this app over https: the framework's `protocol`, else a TLS socket. */
export function isHttps(request: HelperRequest): boolean {
  if (typeof request.protocol === 'string') return request.protocol === 'https';
  return (request.socket as { encrypted?: boolean } | null | undefined)?.encrypted === true;
}

/**
 * One normal form of a URL path, the way routers read it: percent-escapes decoded, repeated slashes
 * folded, `.` and `..` segments resolved. Used to recognise the API prefix however it is spelled.
 */
export function normalPath(pathname: string): string {
  let decoded = pathname;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    decoded = pathname.replace(/%([0-9A-Fa-f]{2})/g, (escape, hex: string) => {
      const code = Number.parseInt(hex, 16);
      return code < 0x80 ? String.fromCharCode(code) : escape;
    });
  }
  const segments: string[] = [];
  for (const segment of decoded.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join('/')}${decoded.endsWith('/') && segments.length > 0 ? '/' : ''}`;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const raw = part
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    try {
      return decodeURIComponent(raw) || null;
    } catch {
      return null;
    }
  }
  return null;
}

function problem(status: number, code: string, detail: string): ForwardedAnswer {
  return {
    status,
    headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store' },
    body: JSON.stringify({ type: `urn:session-registry:error:${code}`, title: code, status, detail, code, requestId: '' }),
  };
}

/**
 * A state-changing call must come from the page's own origin. The cookie is SameSite=Lax already;
 * this also refuses a request from a sibling subdomain or a browser that ignores SameSite.
 */
export function isSameOrigin(request: HelperRequest): boolean {
  const site = first(request.headers['sec-fetch-site']);
  if (site !== undefined) return site === 'same-origin';
  const origin = first(request.headers.origin);
  const host = first(request.headers.host);
  if (!origin || !host) return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

function defaultIsPageView(request: HelperRequest): boolean {
  if ((request.method ?? 'GET') !== 'GET') return false;
  const dest = first(request.headers['sec-fetch-dest']);
  if (dest !== undefined) return dest === 'document';
  return /text\/html/.test(first(request.headers.accept) ?? '');
}

export function createSessionHelper(options: SessionHelperOptions) {
  const { client } = options;
  const cookie = { path: '/', secure: true, sameSite: 'Lax' as const, ...options.cookie };
  // The __Host- prefix needs Secure, Path=/ and no Domain; a browser refuses such a cookie otherwise.
  const hostPrefixAllowed = cookie.secure && cookie.path === '/' && !cookie.domain;
  const cookieName = (request: HelperRequest) =>
    options.cookie?.name ?? (hostPrefixAllowed && isHttps(request) ? '__Host-sr_session' : 'sr_session');
  const apiPrefix = (options.apiPrefix ?? '/account/api/me').replace(/\/+$/, '');
  const isPageView = options.isPageView ?? defaultIsPageView;

  const attributes = (maxAge: number | undefined) =>
    [
      `Path=${cookie.path}`,
      cookie.domain ? `Domain=${cookie.domain}` : null,
      maxAge !== undefined ? `Max-Age=${maxAge}` : null,
      'HttpOnly',
      cookie.secure ? 'Secure' : null,
      `SameSite=${cookie.sameSite}`,
    ]
      .filter(Boolean)
      .join('; ');

  /** The Set-Cookie value that drops the request's session cookie. */
  const clearedCookie = (request: HelperRequest) => `${cookieName(request)}=; ${attributes(0)}`;
  const underPrefix = (pathname: string) => pathname === apiPrefix || pathname.startsWith(`${apiPrefix}/`);

  return {
    /** The session cookie's name for this request (see SessionCookieOptions.name). */
    cookieName,
    apiPrefix,
    shouldCheck: options.shouldCheck ?? (() => true),

    tokenOf(request: HelperRequest): string | null {
      return readCookie(first(request.headers.cookie), cookieName(request));
    },
    /** The Set-Cookie value that keeps a session token (HttpOnly: the page's scripts never see it). */
    sessionCookie(token: string, request: HelperRequest): string {
      return `${cookieName(request)}=${encodeURIComponent(token)}; ${attributes(cookie.maxAgeSeconds)}`;
    },
    clearedCookie,

    /** The path below /v1/me a request addresses, when it is one of the account page's calls as written. */
    apiPath(url: string | undefined): { path: string; query: string } | null {
      if (!url) return null;
      const [pathname, query = ''] = url.split(/\?(.*)/s, 2);
      if (!underPrefix(pathname)) return null;
      return { path: pathname.slice(apiPrefix.length) || '/', query };
    },

    /**
     * Whether a request is for the account page's calls once its path is normalised (`/account/api/m%65`
     * is the prefix to a router): it gets no session check, and an answer from `forward` (404 unless
     * `apiPath` reads it as written).
     */
    isApiRequest(url: string | undefined): boolean {
      if (!url) return false;
      const pathname = url.split('?')[0];
      return underPrefix(pathname) || underPrefix(normalPath(pathname));
    },

    /**
     * Checks the token through the user's heartbeat, which counts the page view and records the
     * browser's address and device. Null when the session is over (401 or 410): sign the user out.
     * Any other failure (the registry unreachable, overloaded) is thrown: the caller fails closed.
     */
    async validate(token: string, request: HelperRequest): Promise<RegistrySession | null> {
      // Not a session token's form (a stale cookie of another format, an edited one): signed out, never sent.
      if (!isSessionTokenForm(token)) return null;
      const pageView = isPageView(request);
      const path = pageView && request.url ? request.url.split('?')[0].slice(0, 2048) : undefined;
      try {
        const answer = await client.heartbeatMySession(
          { pageViews: pageView ? 1 : 0, ...(path ? { path } : {}) },
          { sessionToken: token, user: userContext(request) },
        );
        return { id: answer.id, userId: answer.userId, expiresAt: answer.expiresAt };
      } catch (error) {
        if (RegistryError.is(error) && error.signedOut) return null;
        throw error;
      }
    },

    /** Registers a login for the request's browser; set `sessionCookie(token)` on the answer. */
    signIn(
      request: HelperRequest,
      body: Omit<Body<'createSession'>, 'ip' | 'userAgent' | 'clientHints'>,
    ): Promise<Result<'createSession'>> {
      return client.createSession({ ...userContext(request), ...body });
    },

    /** Ends the session of the token (logout). A session that had ended already is not an error. */
    async signOut(token: string, request: HelperRequest): Promise<void> {
      if (!isSessionTokenForm(token)) return;
      try {
        await client.logout({ sessionToken: token, user: userContext(request) });
      } catch (error) {
        if (!(RegistryError.is(error) && error.signedOut)) throw error;
      }
    },

    /**
     * Passes one of the account page's calls to /v1/me/* with the cookie's token, and its answer back.
     * A null target (the prefix spelled otherwise than as configured) is a 404.
     */
    async forward(
      request: HelperRequest,
      target: { path: string; query: string } | null,
      token: string | null,
      body: string | undefined,
    ): Promise<ForwardedAnswer> {
      const method = (request.method ?? 'GET').toUpperCase();
      if (!FORWARDED_METHODS.has(method)) return problem(405, 'method_not_allowed', `${method} is not forwarded.`);
      if (UNSAFE.has(method) && !isSameOrigin(request)) return problem(403, 'forbidden', 'Cross-site requests are refused.');
      const operation = target ? pageOperation(method, target.path) : null;
      if (!target || !operation) return problem(404, 'not_found', 'No such path.');
      if (!token) return problem(401, 'unauthorized', 'Not signed in.');
      // A cookie that cannot be a session token is a signed-out browser: it is dropped, never sent on.
      if (!isSessionTokenForm(token)) {
        const refused = problem(401, 'unauthorized', 'Not signed in.');
        return { ...refused, headers: { ...refused.headers, 'set-cookie': clearedCookie(request) } };
      }
      if (body !== undefined && body.length > MAX_FORWARD_BODY) return problem(413, 'payload_too_large', 'The request body is too large.');
      let answer;
      try {
        answer = await client.forward({
          method: method as 'GET' | 'POST' | 'PATCH' | 'DELETE',
          path: target.path,
          query: target.query,
          body: body === '' ? undefined : body,
          sessionToken: token,
          user: userContext(request),
          timeoutMs: operation.timeoutMs,
        });
      } catch (error) {
        if (error instanceof TypeError) return problem(404, 'not_found', 'No such path.');
        if (RegistryError.is(error)) return problem(503, 'service_unavailable', 'The session service cannot be reached; retry shortly.');
        throw error;
      }
      const headers: Record<string, string> = { 'cache-control': 'no-store' };
      for (const name of ['content-type', 'retry-after', 'x-request-id']) {
        const value = answer.headers.get(name);
        if (value !== null) headers[name] = value;
      }
      // A refused token is a signed-out browser, and so is one that has just logged out: drop its cookie with the answer.
      if (answer.status === 401 || (operation.operation === 'logout' && answer.status === 200))
        headers['set-cookie'] = clearedCookie(request);
      return { status: answer.status, headers, body: answer.text };
    },
  };
}

export type SessionHelper = ReturnType<typeof createSessionHelper>;
