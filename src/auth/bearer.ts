import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.js';
import type { AuthFailures } from './failures.js';

const MAX_TOKEN_LENGTH = 8192;

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearer(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string' || header.length > MAX_TOKEN_LENGTH + 7) return null;
  const match = /^Bearer ([\x21-\x7e]+)$/i.exec(header);
  return match ? match[1] : null;
}

/** A 401 that asks for a bearer token, counted as a failed authentication. */
export function unauthorized(reply: FastifyReply, failures: AuthFailures, detail: string): ApiError {
  reply.header('www-authenticate', 'Bearer');
  failures.note(reply.request);
  return new ApiError('unauthorized', detail);
}
