import { RegistryError, type Problem } from './errors.js';

export interface TransportOptions {
  baseUrl: string;
  fetch: typeof fetch;
  timeoutMs: number;
  retries: number;
  retryDelayMs: number;
  maxRetryDelayMs: number;
  headers: Record<string, string>;
}

export interface Call {
  operation: string;
  method: 'GET' | 'POST' | 'DELETE' | 'PATCH' | 'PUT';
  /** Path with its parameters already filled in and encoded. */
  path: string;
  query?: Record<string, string | number | boolean | undefined> | string;
  body?: unknown;
  /** A body already serialised (forwarded as it came). */
  rawBody?: string;
  headers?: Record<string, string>;
  /** Repeating it changes nothing: network failures and timeouts may be retried. */
  idempotent: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

function retryAfterSeconds(headers: Headers): number | null {
  const value = headers.get('retry-after');
  if (value === null) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

function buildUrl(baseUrl: string, path: string, query: Call['query']): string {
  let url = baseUrl.replace(/\/+$/, '') + path;
  if (typeof query === 'string') {
    if (query) url += query.startsWith('?') ? query : `?${query}`;
  } else if (query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    const text = params.toString();
    if (text) url += `?${text}`;
  }
  return url;
}

/** One attempt: the answer, or a RegistryError for a timeout or a network failure. */
async function attempt(options: TransportOptions, call: Call): Promise<RawResponse> {
  const timeoutMs = call.timeoutMs ?? options.timeoutMs;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onAbort = () => controller.abort(call.signal?.reason);
  call.signal?.addEventListener('abort', onAbort, { once: true });
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...options.headers, ...call.headers };
  let body: string | undefined = call.rawBody;
  if (body === undefined && call.body !== undefined) body = JSON.stringify(call.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  try {
    const response = await options.fetch(buildUrl(options.baseUrl, call.path, call.query), {
      method: call.method,
      headers,
      body,
      signal: controller.signal,
      redirect: 'manual',
    });
    // The body is read under the same timeout as the headers.
    const text = await response.text();
    return { status: response.status, headers: response.headers, text };
  } catch (error) {
    if (call.signal?.aborted) throw call.signal.reason;
    if (timedOut) {
      throw new RegistryError({
        operation: call.operation,
        status: 0,
        code: 'timeout',
        message: `${call.operation}: no answer within ${timeoutMs} ms`,
        cause: error,
      });
    }
    throw new RegistryError({
      operation: call.operation,
      status: 0,
      code: 'network_error',
      message: `${call.operation}: ${(error as Error).message}`,
      cause: error,
    });
  } finally {
    clearTimeout(timer);
    call.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Sends a call, retrying with exponential backoff where a retry cannot do the work twice: a 503 with
 * Retry-After (the registry refused before doing anything: overload, shutdown, a full connection
 * queue) for any call, and timeouts or network failures only for idempotent calls.
 */
export async function send(options: TransportOptions, call: Call): Promise<RawResponse> {
  for (let attemptNo = 0; ; attemptNo++) {
    const last = attemptNo >= options.retries;
    const backoff = Math.min(options.maxRetryDelayMs, options.retryDelayMs * 2 ** attemptNo);
    const jittered = backoff / 2 + Math.random() * (backoff / 2);
    let response: RawResponse;
    try {
      response = await attempt(options, call);
    } catch (error) {
      if (last || !call.idempotent || !RegistryError.is(error) || error.status !== 0) throw error;
      await sleep(jittered, call.signal);
      continue;
    }
    if (response.status === 503 && !last) {
      const wait = retryAfterSeconds(response.headers);
      if (wait !== null && wait * 1000 <= options.maxRetryDelayMs) {
        await sleep(Math.max(wait * 1000, jittered), call.signal);
        continue;
      }
    }
    return response;
  }
}

/** The parsed JSON of a success, or a RegistryError made from the problem details. */
export function parse<T>(call: Call, response: RawResponse, accept: readonly number[] = []): T {
  const type = response.headers.get('content-type') ?? '';
  const json = /json/.test(type) ? safeJson(response.text) : undefined;
  if ((response.status >= 200 && response.status < 300) || accept.includes(response.status)) {
    if (json === undefined && /json/.test(type)) throw unexpected(call, response, 'the body is not valid JSON');
    return (json === undefined ? response.text : json) as T;
  }
  throw errorFrom(call, response, json);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function unexpected(call: Call, response: RawResponse, why: string): RegistryError {
  return new RegistryError({
    operation: call.operation,
    status: response.status,
    code: 'unexpected_response',
    message: `${call.operation}: HTTP ${response.status}, ${why}`,
  });
}

export function errorFrom(call: Call, response: RawResponse, json: unknown = safeJson(response.text)): RegistryError {
  const problem = json && typeof json === 'object' && typeof (json as Problem).code === 'string' ? (json as Problem) : null;
  if (!problem) return unexpected(call, response, 'without problem details');
  return new RegistryError({
    operation: call.operation,
    status: response.status,
    code: problem.code,
    message: `${call.operation}: ${problem.detail ?? problem.title} (${problem.code})`,
    requestId: problem.requestId ?? response.headers.get('x-request-id'),
    problem,
    retryAfterSeconds: retryAfterSeconds(response.headers),
  });
}
