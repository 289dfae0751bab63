import { Type, type TSchema } from '@sinclair/typebox';
import type { Scope } from '../auth/scopes.js';
import { ERROR_CODES, ProblemSchema, type ErrorCode } from '../errors.js';

/** OpenAPI/serialisation entries for the problem+json responses a route can give. */
export function problems(...codes: ErrorCode[]): Record<number, unknown> {
  const result: Record<number, unknown> = {};
  // Any route can be sent a malformed, oversized or non-JSON body, headers past the server's limit,
  // or a path the router cannot match (an encoded slash in a user id), and any can meet an outage.
  const all: ErrorCode[] = [
    ...codes,
    'validation_failed',
    'not_found',
    'payload_too_large',
    'unsupported_media_type',
    'headers_too_large',
    'service_unavailable',
    'internal',
  ];
  for (const code of all) {
    const { status } = ERROR_CODES[code];
    const existing = result[status] as { description: string } | undefined;
    if (existing?.description.split(', ').includes(code)) continue;
    result[status] = {
      description: existing ? `${existing.description}, ${code}` : code,
      content: { 'application/problem+json': { schema: Type.Ref(ProblemSchema) } },
    };
  }
  return result;
}

/**
 * What the HTTP parser itself may answer any route, before the route runs: headers past the
 * server's limit (for the routes that otherwise answer no problem of their own).
 */
export function parserProblems(): Record<number, unknown> {
  const { status } = ERROR_CODES.headers_too_large;
  return { [status]: { description: 'headers_too_large', content: { 'application/problem+json': { schema: Type.Ref(ProblemSchema) } } } };
}

export const ok = <T extends TSchema>(schema: T, description: string) => ({ ...schema, description }) as T;

/** A route's OpenAPI security requirement: a service JWT carrying every scope listed. */
export const serviceSecurity = (...scopes: Scope[]) => [{ serviceToken: scopes }];
export const SESSION_SECURITY = [{ sessionToken: [] }];

/** POST routes whose body is optional: an empty body is validated as {}. */
export function emptyBodyAsObject(request: { body: unknown }, _reply: unknown, done: () => void): void {
  request.body ??= {};
  done();
}
