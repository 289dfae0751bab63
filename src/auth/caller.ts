/** Who is asking: a service (sees everything) or a user through one of their sessions. */
export type Caller = { kind: 'service'; subject: string } | { kind: 'user'; userId: string; sessionId: string };

/** How a caller is recorded in a session's event log. */
export const actorOf = (caller: Caller): string => (caller.kind === 'service' ? `service:${caller.subject}` : `user:${caller.sessionId}`);

/** Services see every session; a user only their own. */
export function mayAccess(caller: Caller, ownerUserId: string): boolean {
  return caller.kind === 'service' || caller.userId === ownerUserId;
}
