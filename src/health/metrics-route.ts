import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { sendProblem } from '../errors.js';
import { parserProblems } from '../http/route-schemas.js';

const digest = (text: string) => createHash('sha256').update(text).digest();

/** GET /metrics in Prometheus' text format, behind METRICS_TOKEN (compared in constant time) when one is set. */
export async function metricsRoute(app: FastifyInstance, options: { registry: Registry; token: string | null }) {
  const expected = options.token === null ? null : digest(`Bearer ${options.token}`);
  app.get(
    '/metrics',
    {
      logLevel: 'warn',
      schema: {
        operationId: 'metrics',
        summary: 'Prometheus metrics',
        description:
          'Text exposition format. Protected by METRICS_TOKEN (Bearer) when that is set; in production it is served here only with METRICS_TOKEN, or on its own listener (METRICS_PORT).',
        tags: ['operations'],
        produces: ['text/plain'],
        response: { 200: { description: 'The metrics, in the text exposition format', type: 'string' }, ...parserProblems() },
      },
    },
    async (request, reply) => {
      if (expected !== null && !timingSafeEqual(digest(request.headers.authorization ?? ''), expected)) {
        return sendProblem(request, reply, 'unauthorized', 'Send the metrics token as a Bearer token.');
      }
      return reply.type(options.registry.contentType).send(await options.registry.metrics());
    },
  );
}
