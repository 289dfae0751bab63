import type { FastifyInstance } from 'fastify';

/** API answers carry tokens and session data: no cache along the way may keep them. */
export function noStoreForApi(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    if (request.url.startsWith('/v1/')) reply.header('cache-control', 'no-store');
    done();
  });
}
