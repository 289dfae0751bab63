import underPressure from '@fastify/under-pressure';
import type { FastifyInstance } from 'fastify';
import { sendProblem } from '../errors.js';

/** Heap use past which requests are shed, well under the image's --max-old-space-size. */
const MAX_HEAP_USED_BYTES = 1536 * 1024 * 1024;

/**
 * Answers 503 with Retry-After while the event loop is saturated, instead of queueing without
 * bound. A limit of 0 is off.
 */
export async function loadShedding(app: FastifyInstance, options: { maxEventLoopDelayMs: number; maxEventLoopUtilization: number }): Promise<void> {
  await app.register(underPressure, {
    maxEventLoopDelay: options.maxEventLoopDelayMs,
    ...(options.maxEventLoopUtilization > 0 ? { maxEventLoopUtilization: options.maxEventLoopUtilization } : {}),
    maxHeapUsedBytes: MAX_HEAP_USED_BYTES,
    retryAfter: 1,
    pressureHandler: (request, reply) => {
      reply.header('retry-after', '1');
      sendProblem(request, reply, 'service_unavailable', 'The service is overloaded; retry shortly.');
    },
  });
}
