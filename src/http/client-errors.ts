import http from 'node:http';
import type { Socket } from 'node:net';
import { ERROR_CODES, type ErrorCode } from '../errors.js';
import { generateRequestId } from './request-id.js';

/** How long a refused connection is read and drained before it is closed regardless. */
export const LINGER_MS = 2000;

/** Connections already answered: the parser reports its error again for bytes that come after. */
const answered = new WeakSet<Socket>();

/**
 * What the HTTP parser refuses before a request exists (headers past Node's 16 KiB limit, bytes
 * that are not HTTP, a client too slow to send its headers), answered as a problem like every
 * other error instead of Fastify's own JSON, and the connection closed.
 *
 * The close lingers, as HTTP servers do after answering early: the client may still be sending
 * (the rest of its headers or its body), and closing with its bytes unread makes the kernel
 * reset the connection, which destroys the answer on the client's side before it reads it. So
 * the answer is sent with our side shut for writing, what still arrives is read and discarded,
 * and the connection is closed when the client closes its side, or after LINGER_MS.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed || answered.has(socket)) return;
  answered.add(socket);
  const [code, detail]: [ErrorCode, string] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? ['headers_too_large', 'The request line and headers together are larger than the service accepts.']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ['request_timeout', 'The request was not received in time.']
        : ['validation_failed', 'The request is not valid HTTP.'];
  const { status, title } = ERROR_CODES[code];
  const requestId = generateRequestId();
  const body = JSON.stringify({ type: `urn:session-registry:error:${code}`, title, status, detail, code, requestId });
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Request-Id: ${requestId}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
  );
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  // The parser no longer reads from a connection it failed on: drain it here.
  socket.on('end', () => socket.destroy());
  socket.on('data', () => {});
  socket.resume();
}
