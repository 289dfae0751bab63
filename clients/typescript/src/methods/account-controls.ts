import { id, type Body, type CallOptions, type Callers, type Query, type UserCallOptions } from '../calls.js';

/**
 * An export is one JSON document that the registry streams as it reads it; the client reads it whole
 * and parses it, so it gets a longer timeout than other calls unless the call names one.
 */
export const EXPORT_TIMEOUT_MS = 60_000;

/**
 * Reviews ("Was this you?"), device names, erasure and export of a user's data, and incident search
 * and bulk revoke across users.
 */
export function accountControlMethods({ asService, asUser, timeoutMs }: Callers) {
  const exportTimeout = (opts: CallOptions | undefined) => opts?.timeoutMs ?? Math.max(timeoutMs, EXPORT_TIMEOUT_MS);

  return {
    // Backends and operators (service JWT).
    searchSessions: (query: Query<'searchSessions'>, opts?: CallOptions) =>
      asService({ operation: 'searchSessions', method: 'GET', path: '/v1/sessions', query, idempotent: true }, opts),
    // Two steps (operators, sessions:admin): without expectedCount (or with dryRun) a dry run that
    // only counts; with expectedCount, the revoke. A real run is not sent twice after a timeout: it
    // may still be ending sessions batch after batch, and a second run would also end those that
    // signed in since.
    revokeMatchingSessions: (body: Body<'revokeMatchingSessions'>, opts?: CallOptions) =>
      asService(
        {
          operation: 'revokeMatchingSessions',
          method: 'POST',
          path: '/v1/sessions/revoke',
          body,
          idempotent: body.dryRun === true || body.expectedCount === undefined,
        },
        opts,
      ),
    updateSession: (sessionId: string, body: Body<'updateSession'>, opts?: CallOptions) =>
      asService({ operation: 'updateSession', method: 'PATCH', path: `/v1/sessions/${id(sessionId)}`, body, idempotent: true }, opts),
    // The same answer again changes nothing.
    reviewSession: (sessionId: string, body: Body<'reviewSession'>, opts?: CallOptions) =>
      asService({ operation: 'reviewSession', method: 'POST', path: `/v1/sessions/${id(sessionId)}/review`, body, idempotent: true }, opts),
    // Again, it erases nothing and answers zeros.
    eraseUser: (userId: string, opts?: CallOptions) =>
      asService({ operation: 'eraseUser', method: 'DELETE', path: `/v1/users/${id(userId)}`, idempotent: true }, opts),
    exportUser: (userId: string, opts?: CallOptions) =>
      asService(
        { operation: 'exportUser', method: 'GET', path: `/v1/users/${id(userId)}/export`, idempotent: true },
        { ...opts, timeoutMs: exportTimeout(opts) },
      ),

    // The signed-in user (their session token).
    nameMySession: (sessionId: string, body: Body<'nameMySession'>, opts: UserCallOptions) =>
      asUser({ operation: 'nameMySession', method: 'PATCH', path: `/v1/me/sessions/${id(sessionId)}`, body, idempotent: true }, opts),
    confirmMySession: (sessionId: string, opts: UserCallOptions) =>
      asUser({ operation: 'confirmMySession', method: 'POST', path: `/v1/me/sessions/${id(sessionId)}/confirm`, idempotent: true }, opts),
    reportMySession: (sessionId: string, opts: UserCallOptions) =>
      asUser({ operation: 'reportMySession', method: 'POST', path: `/v1/me/sessions/${id(sessionId)}/report`, idempotent: true }, opts),
    exportMyData: (opts: UserCallOptions) =>
      asUser(
        { operation: 'exportMyData', method: 'GET', path: '/v1/me/export', idempotent: true },
        { ...opts, timeoutMs: exportTimeout(opts) },
      ),
  };
}
