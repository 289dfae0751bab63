// The scopes a service token may carry, in one place: the token check, `npm run token`, the
// OpenAPI document and the documentation all read this list.

export const SCOPES = {
  'sessions:read': "Read sessions and their events, list a user's sessions, introspect a session token, read the event feed.",
  'sessions:write':
    'What a backend needs: register logins, heartbeats, end one session or every session of one user, name a session. Implies sessions:read.',
  'sessions:admin':
    'Operators only: search sessions across users, bulk revoke, erase a user, export a user, answer a review for the user. Implies no other scope, and no other scope implies it.',
  'webhooks:manage': 'Manage webhook endpoints. Creating one, or changing its URL, needs sessions:read as well. Implied by no other scope.',
} as const;

export type Scope = keyof typeof SCOPES;

export const SCOPE_NAMES = Object.keys(SCOPES) as Scope[];

export const isScope = (text: string): text is Scope => Object.hasOwn(SCOPES, text);

/** The scopes a token's claim grants, with what they imply (write implies read; nothing implies admin). */
export function grantedScopes(claim: unknown): ReadonlySet<string> {
  const granted = typeof claim === 'string' ? claim.split(' ') : Array.isArray(claim) ? claim.map(String) : [];
  if (granted.includes('sessions:write')) granted.push('sessions:read');
  return new Set(granted);
}
