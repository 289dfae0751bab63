import type { CallOptions, Callers, Result, UserCallOptions } from './calls.js';
import type { components, operations } from './generated/schema.js';
import { accountControlMethods } from './methods/account-controls.js';
import { lifecycleEventMethods } from './methods/lifecycle-events.js';
import { sessionMethods } from './methods/sessions.js';
import { parse, send, type Call, type RawResponse, type TransportOptions } from './transport.js';
import { forwardingHeaders } from './user-context.js';

export type { Body, CallOptions, Query, Result, UserCallOptions } from './calls.js';
export type Session = components['schemas']['Session'];
export type SessionEvent = components['schemas']['SessionEvent'];
export type Location = components['schemas']['Location'];
export type SessionPage = Result<'listMySessions'>;
export type HeartbeatResult = Result<'heartbeatMySession'>;
/** A user's sessions and events, as exportUser and exportMyData return them. */
export type UserExport = Result<'exportUser'>;
export type WebhookEndpoint = components['schemas']['WebhookEndpoint'];
export type WebhookDelivery = components['schemas']['WebhookDelivery'];
export type LifecycleEvent = components['schemas']['LifecycleEvent'];

export interface RegistryClientOptions {
  /** Where the registry answers, such as `https://sessions.internal:3000`. */
  baseUrl: string | URL;
  /** The service JWT for service routes (`/v1/sessions`, `/v1/users`, `/v1/webhooks`, `/v1/events`), or a function that returns a current one. */
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
    if (!call.sessionToken) throw new TypeError("this operation needs the user's session token: pass { sessionToken }");
    return { ...forwardingHeaders(call.user), authorization: `Bearer ${call.sessionToken}` };
  };

  async function run<K extends keyof operations>(call: Call & { operation: K }, accept: readonly number[] = []): Promise<Result<K>> {
    return parse<Result<K>>(call, await send(transport, call), accept);
  }
  const callers: Callers = {
    timeoutMs: transport.timeoutMs,
    asService: async (call, opts = {}) => run({ ...call, headers: await serviceHeaders(), timeoutMs: opts.timeoutMs, signal: opts.signal }),
    asUser: (call, opts) => run({ ...call, headers: userHeaders(opts), timeoutMs: opts.timeoutMs, signal: opts.signal }),
    anonymous: (call, opts = {}, accept = []) => run({ ...call, timeoutMs: opts.timeoutMs, signal: opts.signal }, accept),
  };
  const { anonymous } = callers;

  return {
    ...sessionMethods(callers),
    ...accountControlMethods(callers),
    ...lifecycleEventMethods(callers),

    // Operations (no authentication).
    liveness: (opts?: CallOptions) => anonymous({ operation: 'liveness', method: 'GET', path: '/healthz', idempotent: true }, opts),
    // 503 is an answer here (not ready), not a failure.
    readiness: (opts?: CallOptions) => anonymous({ operation: 'readiness', method: 'GET', path: '/readyz', idempotent: true }, opts, [503]),
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
