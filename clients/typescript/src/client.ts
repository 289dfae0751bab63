import type { components, operations } from './generated/schema.js';
import { parse, send, type Call, type RawResponse, type TransportOptions } from './transport.js';
import { forwardingHeaders, type UserContext } from './user-context.js';

export type Session = components['schemas']['Session'];
export type SessionEvent = components['schemas']['SessionEvent'];
export type Location = components['schemas']['Location'];

type JsonOf<R> = R extends { content: { 'application/json': infer B } } ? B : never;
type Responses<K extends keyof operations> = operations[K]['responses'];
/** The JSON body of an operation's success answer. */
export type Result<K extends keyof operations> = 200 extends keyof Responses<K>
  ? JsonOf<Responses<K>[200]>
  : 201 extends keyof Responses<K>
    ? JsonOf<Responses<K>[201]>
    : never;
/** The JSON request body of an operation. */
export type Body<K extends keyof operations> = JsonOf<NonNullable<operations[K]['requestBody']>>;
/** The query parameters of an operation. */
export type Query<K extends keyof operations> = NonNullable<operations[K]['parameters']['query']>;

export type SessionPage = Result<'listMySessions'>;
export type HeartbeatResult = Result<'heartbeatMySession'>;

export interface RegistryClientOptions {
  /** Where the registry answers, such as `https://sessions.internal:3000`. */
  baseUrl: string | URL;
  /** The service JWT for service routes (`/v1/sessions`, `/v1/users`), or a function that returns a current one. */
  token?: string | (() => string | Promise<string>);
  /** Milliseconds one attempt may take, answer included. Default 5000. */
  timeoutMs?: number;
  /** Further attempts where they are safe (see the README). Default 2. */
  retries?: number;
  /** First backoff in milliseconds; doubled each attempt. Default 100. */
  retryDelayMs?: number;
  /** The longest wait between attempts; a Retry-After longer than this is not waited for. Default 5000. */
  maxRetryDelayMs?: number;
  /** A fetch implementation (the global one by default). */
  fetch?: typeof fetch;
  /** Headers sent with every call. */
  headers?: Record<string, string>;
}

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Options of the /v1/me/* calls, made with a user's session token. */
export interface UserCallOptions extends CallOptions {
  /** The user's session token, as POST /v1/sessions returned it. */
  sessionToken: string;
  /**
   * The browser's address and device, when the call is made on behalf of a browser's request: sent
   * as X-Forwarded-For, User-Agent and Sec-CH-UA-* (the registry trusts them through TRUST_PROXY).
   */
  user?: UserContext;
}

/** What forward() sends: a call to /v1/me/* made for a browser, answered as it is. */
export interface ForwardRequest extends UserCallOptions {
  method: 'GET' | 'POST' | 'DELETE' | 'PATCH';
  /** The path below /v1/me, starting with a slash: `/sessions`, `/sessions/{id}/events`. */
  path: string;
  /** The query string as received, without the question mark. */
  query?: string;
  /** The JSON body as received. */
  body?: string;
}

const id = (value: string) => encodeURIComponent(value);

export type RegistryClient = ReturnType<typeof createRegistryClient>;

/** A client with one method per operation of the registry's API, named after its operationId. */
export function createRegistryClient(options: RegistryClientOptions) {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') throw new TypeError('createRegistryClient: no fetch available; pass options.fetch');
  const transport: TransportOptions = {
    baseUrl: String(options.baseUrl),
    // Called unbound: some fetch implementations (browsers) refuse another `this`.
    fetch: (input, init) => fetchImpl(input, init),
    timeoutMs: options.timeoutMs ?? 5000,
    retries: options.retries ?? 2,
    retryDelayMs: options.retryDelayMs ?? 100,
    maxRetryDelayMs: options.maxRetryDelayMs ?? 5000,
    headers: options.headers ?? {},
  };

  async function serviceHeaders(): Promise<Record<string, string>> {
    const token = typeof options.token === 'function' ? await options.token() : options.token;
    if (!token) throw new TypeError('this operation needs a service token: pass options.token to createRegistryClient');
    return { authorization: `Bearer ${token}` };
  }
  const userHeaders = (call: UserCallOptions) => {
    if (!call.sessionToken) throw new TypeError('this operation needs the user\'s session token: pass { sessionToken }');
    return { ...forwardingHeaders(call.user), authorization: `Bearer ${call.sessionToken}` };
  };

  async function run<K extends keyof operations>(call: Call & { operation: K }, accept: readonly number[] = []): Promise<Result<K>> {
    return parse<Result<K>>(call, await send(transport, call), accept);
  }
  const asService = async <K extends keyof operations>(call: Omit<Call, 'headers'> & { operation: K }, opts: CallOptions = {}) =>
    run<K>({ ...call, headers: await serviceHeaders(), timeoutMs: opts.timeoutMs, signal: opts.signal });
  const asUser = <K extends keyof operations>(call: Omit<Call, 'headers'> & { operation: K }, opts: UserCallOptions) =>
    run<K>({ ...call, headers: userHeaders(opts), timeoutMs: opts.timeoutMs, signal: opts.signal });

  return {
    // Backends and operators (service JWT).
    createSession: (body: Body<'createSession'>, opts?: CallOptions) =>
      asService({ operation: 'createSession', method: 'POST', path: '/v1/sessions', body, idempotent: false }, opts),
    introspectSessionToken: (body: Body<'introspectSessionToken'>, opts?: CallOptions) =>
      asService({ operation: 'introspectSessionToken', method: 'POST', path: '/v1/sessions/introspect', body, idempotent: true }, opts),
    getSession: (sessionId: string, opts?: CallOptions) =>
      asService({ operation: 'getSession', method: 'GET', path: `/v1/sessions/${id(sessionId)}`, idempotent: true }, opts),
    heartbeatSession: (sessionId: string, body: Body<'heartbeatSession'> = {}, opts?: CallOptions) =>
      asService({ operation: 'heartbeatSession', method: 'POST', path: `/v1/sessions/${id(sessionId)}/heartbeat`, body, idempotent: false }, opts),
    endSession: (sessionId: string, query: Query<'endSession'> = {}, opts?: CallOptions) =>
      asService({ operation: 'endSession', method: 'DELETE', path: `/v1/sessions/${id(sessionId)}`, query, idempotent: true }, opts),
    listSessionEvents: (sessionId: string, query: Query<'listSessionEvents'> = {}, opts?: CallOptions) =>
      asService({ operation: 'listSessionEvents', method: 'GET', path: `/v1/sessions/${id(sessionId)}/events`, query, idempotent: true }, opts),
    listUserSessions: (userId: string, query: Query<'listUserSessions'> = {}, opts?: CallOptions) =>
      asService({ operation: 'listUserSessions', method: 'GET', path: `/v1/users/${id(userId)}/sessions`, query, idempotent: true }, opts),
    // Ending "all but one" again ends nothing more: a retry is harmless (its count may be lower).
    revokeUserSessions: (userId: string, body: Body<'revokeUserSessions'> = {}, opts?: CallOptions) =>
      asService({ operation: 'revokeUserSessions', method: 'POST', path: `/v1/users/${id(userId)}/sessions/revoke`, body, idempotent: true }, opts),

    // The signed-in user (their session token).
    listMySessions: (query: Query<'listMySessions'>, opts: UserCallOptions) =>
      asUser({ operation: 'listMySessions', method: 'GET', path: '/v1/me/sessions', query, idempotent: true }, opts),
    getMySession: (sessionId: string, opts: UserCallOptions) =>
      asUser({ operation: 'getMySession', method: 'GET', path: `/v1/me/sessions/${id(sessionId)}`, idempotent: true }, opts),
    listMySessionEvents: (sessionId: string, query: Query<'listMySessionEvents'>, opts: UserCallOptions) =>
      asUser({ operation: 'listMySessionEvents', method: 'GET', path: `/v1/me/sessions/${id(sessionId)}/events`, query, idempotent: true }, opts),
    endMySession: (sessionId: string, opts: UserCallOptions) =>
      asUser({ operation: 'endMySession', method: 'DELETE', path: `/v1/me/sessions/${id(sessionId)}`, idempotent: true }, opts),
    endMyOtherSessions: (opts: UserCallOptions) =>
      asUser({ operation: 'endMyOtherSessions', method: 'POST', path: '/v1/me/sessions/revoke-others', idempotent: true }, opts),
    heartbeatMySession: (body: Body<'heartbeatMySession'>, opts: UserCallOptions) =>
      asUser({ operation: 'heartbeatMySession', method: 'POST', path: '/v1/me/heartbeat', body, idempotent: false }, opts),
    logout: (opts: UserCallOptions) => asUser({ operation: 'logout', method: 'POST', path: '/v1/me/logout', idempotent: false }, opts),

    // Operations (no authentication).
    liveness: (opts: CallOptions = {}) => run({ operation: 'liveness', method: 'GET', path: '/healthz', idempotent: true, ...opts }),
    // 503 is an answer here (not ready), not a failure.
    readiness: (opts: CallOptions = {}) => run({ operation: 'readiness', method: 'GET', path: '/readyz', idempotent: true, ...opts }, [503]),
    metrics: async (opts: CallOptions = {}): Promise<string> => {
      const call: Call = { operation: 'metrics', method: 'GET', path: '/metrics', idempotent: true, ...opts };
      return parse<string>(call, await send(transport, call));
    },

    /**
     * Passes a browser's call to /v1/me/* on with the user's session token and answers it as the
     * registry did (no exception for an error answer). Only reads are retried.
     */
    forward: (request: ForwardRequest): Promise<RawResponse> => {
      if (!/^\/[A-Za-z0-9._~\-/]*$/.test(request.path) || request.path.split('/').some((part) => part === '..' || part === '.')) {
        throw new TypeError('forward: the path must be a plain path below /v1/me');
      }
      return send(transport, {
        operation: 'forward',
        method: request.method,
        path: `/v1/me${request.path}`,
        query: request.query,
        rawBody: request.body,
        headers: userHeaders(request),
        idempotent: request.method === 'GET',
        timeoutMs: request.timeoutMs,
        signal: request.signal,
      });
    },
  };
}
