import { id, type Body, type CallOptions, type Callers, type Query, type UserCallOptions } from '../calls.js';

/** Logins, heartbeats, lists and endings: for backends (service JWT) and for the signed-in user (session token). */
export function sessionMethods({ asService, asUser }: Callers) {
  return {
    // Backends and operators (service JWT).
    createSession: (body: Body<'createSession'>, opts?: CallOptions) =>
      asService({ operation: 'createSession', method: 'POST', path: '/v1/sessions', body, idempotent: false }, opts),
    introspectSessionToken: (body: Body<'introspectSessionToken'>, opts?: CallOptions) =>
      asService({ operation: 'introspectSessionToken', method: 'POST', path: '/v1/sessions/introspect', body, idempotent: true }, opts),
    getSession: (sessionId: string, opts?: CallOptions) =>
      asService({ operation: 'getSession', method: 'GET', path: `/v1/sessions/${id(sessionId)}`, idempotent: true }, opts),
    heartbeatSession: (sessionId: string, body: Body<'heartbeatSession'> = {}, opts?: CallOptions) =>
      asService(
        { operation: 'heartbeatSession', method: 'POST', path: `/v1/sessions/${id(sessionId)}/heartbeat`, body, idempotent: false },
        opts,
      ),
    endSession: (sessionId: string, query: Query<'endSession'> = {}, opts?: CallOptions) =>
      asService({ operation: 'endSession', method: 'DELETE', path: `/v1/sessions/${id(sessionId)}`, query, idempotent: true }, opts),
    listSessionEvents: (sessionId: string, query: Query<'listSessionEvents'> = {}, opts?: CallOptions) =>
      asService(
        { operation: 'listSessionEvents', method: 'GET', path: `/v1/sessions/${id(sessionId)}/events`, query, idempotent: true },
        opts,
      ),
    listUserSessions: (userId: string, query: Query<'listUserSessions'> = {}, opts?: CallOptions) =>
      asService({ operation: 'listUserSessions', method: 'GET', path: `/v1/users/${id(userId)}/sessions`, query, idempotent: true }, opts),
    // Ending "all but one" again ends nothing more: a retry is harmless (its count may be lower).
    revokeUserSessions: (userId: string, body: Body<'revokeUserSessions'> = {}, opts?: CallOptions) =>
      asService(
        { operation: 'revokeUserSessions', method: 'POST', path: `/v1/users/${id(userId)}/sessions/revoke`, body, idempotent: true },
        opts,
      ),

    // The signed-in user (their session token).
    listMySessions: (query: Query<'listMySessions'>, opts: UserCallOptions) =>
      asUser({ operation: 'listMySessions', method: 'GET', path: '/v1/me/sessions', query, idempotent: true }, opts),
    getMySession: (sessionId: string, opts: UserCallOptions) =>
      asUser({ operation: 'getMySession', method: 'GET', path: `/v1/me/sessions/${id(sessionId)}`, idempotent: true }, opts),
    listMySessionEvents: (sessionId: string, query: Query<'listMySessionEvents'>, opts: UserCallOptions) =>
      asUser(
        { operation: 'listMySessionEvents', method: 'GET', path: `/v1/me/sessions/${id(sessionId)}/events`, query, idempotent: true },
        opts,
      ),
    endMySession: (sessionId: string, opts: UserCallOptions) =>
      asUser({ operation: 'endMySession', method: 'DELETE', path: `/v1/me/sessions/${id(sessionId)}`, idempotent: true }, opts),
    endMyOtherSessions: (opts: UserCallOptions) =>
      asUser({ operation: 'endMyOtherSessions', method: 'POST', path: '/v1/me/sessions/revoke-others', idempotent: true }, opts),
    heartbeatMySession: (body: Body<'heartbeatMySession'>, opts: UserCallOptions) =>
      asUser({ operation: 'heartbeatMySession', method: 'POST', path: '/v1/me/heartbeat', body, idempotent: false }, opts),
    logout: (opts: UserCallOptions) => asUser({ operation: 'logout', method: 'POST', path: '/v1/me/logout', idempotent: false }, opts),
  };
}
