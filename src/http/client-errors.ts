import http from 'node:http';
import type { Socket } from 'node:net';
import { ERROR_CODES, type ErrorCode } from '../errors.js';
import { closeLingering } from './lingering-close.js';
import { generateRequestId } from './request-id.js';

/** Connections already answered: the parser reports its error again for bytes that come after. */
const answered = new WeakSet<Socket>();

/**
 * What the HTTP parser refuses before a request exists (headers past Node's 16 KiB limit, bytes
 * that are not HTTP, a client too slow to send its headers), answered as a problem like every
 * other error instead of Fastify's own JSON, and the connection closed.
 * The close lingers (lingering-close.ts): the client may still be sending its headers or body.
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
  socket.write(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Request-Id: ${requestId}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
  );
  // The parser no longer reads from a connection it failed on: the drain does.
  closeLingering(socket);
}
