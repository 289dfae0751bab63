import type { components } from './generated/schema.js';

export type Problem = components['schemas']['Problem'];

/** Codes the registry documents, plus the ones this client gives to failures that never got an answer. */
export type RegistryErrorCode =
  | 'validation_failed'
  | 'unauthorized'
  | 'forbidden'
  | 'session_not_found'
  | 'not_found'
  | 'cannot_revoke_current'
  | 'session_ended'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'headers_too_large'
  | 'service_unavailable'
  | 'internal'
  | 'timeout'
  | 'network_error'
  | 'unexpected_response'
  | (string & {});

/**
 * Every failure of a registry call: an error answer (`status` and the problem details), a timeout or
 * a network failure (`status` 0). `code` is the registry's stable code.
 */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  /** HTTP status; 0 when no answer arrived (timeout, network). */
  readonly status: number;
  readonly code: RegistryErrorCode;
  /** The registry's request id, to quote in a report; null when there was no answer. */
  readonly requestId: string | null;
  /** The problem+json body as the registry sent it. */
  readonly problem: Problem | null;
  /** The operationId of the call that failed. */
  readonly operation: string;
  /** Seconds the registry asked to wait (Retry-After), when it did. */
  readonly retryAfterSeconds: number | null;

  constructor(init: {
    operation: string;
    status: number;
    code: RegistryErrorCode;
    message: string;
    requestId?: string | null;
    problem?: Problem | null;
    retryAfterSeconds?: number | null;
    cause?: unknown;
  }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.operation = init.operation;
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId ?? null;
    this.problem = init.problem ?? null;
    this.retryAfterSeconds = init.retryAfterSeconds ?? null;
  }

  /** With `session_ended` (410): how the session ended, such as `revoked_by_user` or `idle_timeout`. */
  get endReason(): string | null {
    return this.problem?.endReason ?? null;
  }

  /** The session ended (410 `session_ended`): sign the user out, and `endReason` says why. */
  get sessionEnded(): boolean {
    return this.code === 'session_ended';
  }

  /** The credential was refused (401): for a session token, it is unknown or its session has ended. */
  get unauthorized(): boolean {
    return this.status === 401;
  }

  /** Either of the two above: whoever holds this session token is no longer signed in. */
  get signedOut(): boolean {
    return this.sessionEnded || this.unauthorized;
  }

  static is(error: unknown, code?: RegistryErrorCode): error is RegistryError {
    return error instanceof RegistryError && (code === undefined || error.code === code);
  }
}
