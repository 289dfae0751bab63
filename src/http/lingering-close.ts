import type { FastifyInstance } from 'fastify';
import type { Socket } from 'node:net';

// Closing a connection the client is still sending on (a body refused for its size before it
// was read, headers past the parser's limit, a request refused while the service shuts down)
// leaves its bytes unread, and the kernel answers unread bytes with a reset: the client's
// kernel may then drop the answer before the client has read it, and the client sees EPIPE or
// ECONNRESET instead of a 413 or 431. Web servers close such connections lingering: they send
// the answer, shut their side for writing, read and discard what still arrives, and close when
// the client closes its side or a short time has passed.

/** How long a closing connection is drained before it is closed regardless. */
export const LINGER_MS = 2000;

/** Shuts our side for writing (after what was written), drains the client's, and closes. */
export function closeLingering(socket: Socket): void {
  if (socket.destroyed) return;
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.once('end', () => socket.destroy());
  socket.on('data', () => {});
  socket.resume();
  socket.end();
}

/**
 * Every connection Node closes after an answer (`Connection: close`: a 413 from the body parser,
 * answers while shutting down) closes lingering. Node closes them through `destroySoon`, which
 * destroys the socket once our last byte is written, whatever the client is still sending.
 */
export function lingeringCloses(app: FastifyInstance): void {
  app.server.on('connection', (socket: Socket) => {
    socket.destroySoon = () => closeLingering(socket);
  });
}
