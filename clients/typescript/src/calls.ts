import type { operations } from './generated/schema.js';
import type { Call } from './transport.js';
import type { UserContext } from './user-context.js';

// What every group of methods shares: the request and answer types of an operation, taken from the
// generated schema, and the three ways a call is made (service JWT, session token, no credential).

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

/** One call of an operation, before its credential is added. */
export type OperationCall<K extends keyof operations> = Omit<Call, 'operation' | 'headers' | 'timeoutMs' | 'signal'> & { operation: K };

export interface Callers {
  /** The client's timeout of one attempt, in milliseconds. */
  readonly timeoutMs: number;
  /** With the service JWT (`/v1/sessions`, `/v1/users`, `/v1/webhooks`, `/v1/events`). */
  asService<K extends keyof operations>(call: OperationCall<K>, opts?: CallOptions): Promise<Result<K>>;
  /** With the user's session token (`/v1/me/*`). */
  asUser<K extends keyof operations>(call: OperationCall<K>, opts: UserCallOptions): Promise<Result<K>>;
  /** With no credential; `accept` names error statuses that are answers rather than failures. */
  anonymous<K extends keyof operations>(call: OperationCall<K>, opts?: CallOptions, accept?: readonly number[]): Promise<Result<K>>;
}

/** A path parameter, encoded. */
export const id = (value: string) => encodeURIComponent(value);
