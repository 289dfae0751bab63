import type { FastifyInstance } from 'fastify';
import { sendProblem } from '../errors.js';

/**
 * Once closing, a request that still arrives on an open connection is refused, and every answer
 * closes its connection: a kept-alive one would otherwise hold the close open until the client
 * dropped it, and the buffered activity would wait with it.
 */
export function shutdownGuard(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', (request, reply, done) => {
    if (!closing) return done();
    reply.header('retry-after', '1');
    sendProblem(request, reply, 'service_unavailable', 'The service is shutting down; retry shortly.');
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
}
