import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

const WELL_FORMED = /^[A-Za-z0-9._:-]{1,128}$/;

export const generateRequestId = (): string => randomUUID();

/** Echoes the request id on every answer; an incoming X-Request-Id is kept only when well formed. */
export function requestIds(app: FastifyInstance): void {
  // Callback-style, like every per-request hook: no promise per request on the hot path.
  app.addHook('onRequest', (request, reply, done) => {
    const incoming = request.headers['x-request-id'];
    if (typeof incoming === 'string' && !WELL_FORMED.test(incoming)) request.id = randomUUID();
    reply.header('x-request-id', request.id);
    done();
  });
}
