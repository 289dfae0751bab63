import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

// A session token is "sr1_" + the session id as 32 hex digits + 256 random bits in base64url.
// Carrying the id lets every lookup go by primary key (and stay routable when the table is
// distributed); only the SHA-256 of the whole token is stored, and it is compared in constant time.
const PREFIX = 'sr1_';
const TOKEN_PATTERN = /^sr1_([0-9a-f]{32})([A-Za-z0-9_-]{43})$/;

export function issueToken(sessionId: string): { token: string; hash: Buffer } {
  const token = `${PREFIX}${sessionId.replaceAll('-', '')}${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashToken(token) };
}

/** The SHA-256 of a token: what is stored, and what a presented token is compared by. */
export function hashToken(token: string): Buffer {
  return hash('sha256', token, 'buffer');
}

/** The session id a well-formed token names, or null for anything else. */
export function sessionIdFromToken(token: string): string | null {
  const match = TOKEN_PATTERN.exec(token);
  if (!match) return null;
  const hex = match[1];
  // Any 128 bits, not only a valid v7: a token naming no session is refused by its lookup.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function tokenMatches(token: string, storedHash: Buffer): boolean {
  const hash = hashToken(token);
  return hash.length === storedHash.length && timingSafeEqual(hash, storedHash);
}

export function looksLikeSessionToken(token: string): boolean {
  return token.startsWith(PREFIX);
}
