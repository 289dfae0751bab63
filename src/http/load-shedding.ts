import underPressure from '@fastify/under-pressure';
import type { FastifyInstance } from 'fastify';
import { sendProblem } from '../errors.js';

/** Heap use past which requests are shed, well under the image's --max-old-space-size. */
const MAX_HEAP_USED_BYTES = 1536 * 1024 * 1024;
/** How often the event loop's delay and use are sampled (each sample is the mean since the last). */
const SAMPLE_INTERVAL_MS = 1000;

/**
 * Answers 503 with Retry-After while the event loop is saturated, instead of queueing without
 * bound. A limit of 0 is off.
 *
 * Measured only once the instance is ready: the start's own work (the GeoIP City data, the ASN
 * table, the state cache, compiling modules) blocks the loop before the server listens, and a
 * sample that began then would shed the first requests of an idle instance. Requests pass for
 * the first three sample intervals after listening: by then the sample in force began after it
 * (two would do on an idle machine; the third allows for a sampling timer that fires late).
 */
export async function loadShedding(
  app: FastifyInstance,
  options: { maxEventLoopDelayMs: number; maxEventLoopUtilization: number },
): Promise<void> {
  let measuring = false;
  app.addHook('onListen', async () => {
    setTimeout(() => (measuring = true), 3 * SAMPLE_INTERVAL_MS).unref();
  });
  await app.register(underPressure, {
    maxEventLoopDelay: options.maxEventLoopDelayMs,
    ...(options.maxEventLoopUtilization > 0 ? { maxEventLoopUtilization: options.maxEventLoopUtilization } : {}),
    maxHeapUsedBytes: MAX_HEAP_USED_BYTES,
    sampleInterval: SAMPLE_INTERVAL_MS,
    retryAfter: 1,
    pressureHandler: (request, reply) => {
      // Nothing returned: the request goes on as if there were no pressure.
      if (!measuring) return;
      reply.header('retry-after', '1');
      sendProblem(request, reply, 'service_unavailable', 'The service is overloaded; retry shortly.');
    },
  });
}
