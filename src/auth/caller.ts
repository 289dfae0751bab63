/** Who is asking: a service (sees everything) or a user through one of their sessions. */
export type Caller =
  { kind: 'service'; subject: string; scopes: ReadonlySet<string> } | { kind: 'user'; userId: string; sessionId: string };

/** True when the caller is a service whose token carries `scope` (or a scope that implies it). */
export const hasScope = (caller: Caller, scope: string): boolean => caller.kind === 'service' && caller.scopes.has(scope);

/** How a caller is recorded in a session's event log. */
export const actorOf = (caller: Caller): string => (caller.kind === 'service' ? `service:${caller.subject}` : `user:${caller.sessionId}`);

/** Services see every session; a user only their own. */
export function mayAccess(caller: Caller, ownerUserId: string): boolean {
  return caller.kind === 'service' || caller.userId === ownerUserId;
}
