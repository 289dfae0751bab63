/**
 * Who is on the other end of a backend's request: the browser's address and the headers that say
 * what device it is. The registry records them at login (body fields of createSession) and, on
 * /v1/me/* calls, reads them from the request the backend forwards (X-Forwarded-For, trusted
 * through the registry's TRUST_PROXY, User-Agent and Sec-CH-UA-*).
 */
export interface UserContext {
  ip?: string;
  userAgent?: string;
  /** Sec-CH-UA-* header values keyed by lower-case header name. */
  clientHints?: Record<string, string>;
}

type HeaderValue = string | string[] | undefined;

/** The parts of a Node, Express or Fastify request this reads. */
export interface IncomingLike {
  ip?: string;
  headers: Record<string, HeaderValue>;
  socket?: { remoteAddress?: string | undefined } | null;
}

const CLIENT_HINT = /^sec-ch-ua(-[a-z-]+)?$/;
const MAX_HINTS = 16;
const MAX_HINT_LENGTH = 512;

const first = (value: HeaderValue): string | undefined => (Array.isArray(value) ? value[0] : value);

/**
 * The user context of an incoming request. `ip` is the framework's idea of the client address
 * (Express `req.ip`, Fastify `request.ip`: both honour their own trust-proxy setting) or the socket's.
 */
export function userContext(request: IncomingLike): UserContext {
  const context: UserContext = {};
  const ip = request.ip ?? request.socket?.remoteAddress;
  if (ip) context.ip = ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
  const userAgent = first(request.headers['user-agent']);
  if (userAgent) context.userAgent = userAgent.slice(0, 8192);
  const hints: Record<string, string> = {};
  let count = 0;
  for (const [name, value] of Object.entries(request.headers)) {
    const text = first(value);
    if (!CLIENT_HINT.test(name) || text === undefined || count >= MAX_HINTS) continue;
    hints[name] = text.slice(0, MAX_HINT_LENGTH);
    count++;
  }
  if (count > 0) context.clientHints = hints;
  return context;
}

/** Request headers that carry a user context to the registry on /v1/me/* calls. */
export function forwardingHeaders(user: UserContext | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (!user) return headers;
  // One value, not a chain: the backend has already decided which address is the browser's.
  if (user.ip) headers['x-forwarded-for'] = user.ip;
  if (user.userAgent) headers['user-agent'] = user.userAgent;
  for (const [name, value] of Object.entries(user.clientHints ?? {})) {
    if (CLIENT_HINT.test(name)) headers[name] = value;
  }
  return headers;
}
