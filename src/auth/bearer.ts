import type { FastifyRequest } from 'fastify';

const MAX_TOKEN_LENGTH = 8192;

/** The token of an `Authorization: Bearer <token>` header (the scheme in any case), or null. */
export function bearer(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string' || header.length > MAX_TOKEN_LENGTH + 7) return null;
  const match = /^Bearer ([\x21-\x7e]+)$/i.exec(header);
  return match ? match[1] : null;
}
