import type { FastifyInstance } from 'fastify';

/** Routes called often enough that a line per request would drown the log: logged only on 5xx. */
const QUIET_ROUTES = new Set(['/v1/sessions/:id/heartbeat', '/v1/me/heartbeat', '/healthz', '/readyz', '/metrics']);

/** One line per request (Fastify's own two are off) and the request metrics. */
export function accessLog(app: FastifyInstance, record: (route: string, method: string, status: number, seconds: number) => void): void {
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    record(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
    if (!QUIET_ROUTES.has(route) || reply.statusCode >= 500) {
      request.log.info(
        { method: request.method, route, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 },
        'request completed',
      );
    }
    done();
  });
}
