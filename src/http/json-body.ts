import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.js';
import { isWellFormed } from '../text.js';

/** The first string (or key) in `value` that is not well-formed UTF-16, as a JSON pointer; null when all are. */
function malformedAt(value: unknown, path: string): string | null {
  if (typeof value === 'string') return isWellFormed(value) ? null : path;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = malformedAt(value[i], `${path}/${i}`);
      if (found !== null) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (!isWellFormed(key)) return path;
      const found = malformedAt(inner, `${path}/${key}`);
      if (found !== null) return found;
    }
  }
  return null;
}

/**
 * JSON bodies as Fastify parses them, refused with 400 when a string holds a lone surrogate (JSON
 * may escape one: "\ud800"). Stored, such a string becomes U+FFFD, so two different inputs
 * ("zed\ud800", "zed\udc00") would become one value: one user could reach another's sessions.
 */
export function wellFormedJsonBodies(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    void parse(request, body as string, (error: Error | null, value?: unknown) => {
      if (error) return done(error);
      const at = malformedAt(value, 'body');
      if (at !== null) {
        done(
          new ApiError('validation_failed', `${at} is not well-formed text (it holds half of a surrogate pair).`, {
            errors: [{ path: at, message: 'is not well-formed text' }],
          }),
        );
        return;
      }
      done(null, value);
    });
  });
}
