import { connect } from 'node:net';
import t from 'tap';
import { buildTestApp, serviceToken } from '../helper.js';

// What Node's HTTP parser refuses before a request exists is answered as a problem like every
// other error: over real TCP, since an injected request never meets the parser.

function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(text));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

function problemOf(answer: string): { status: number; headers: string; body: any } {
  const [head, body] = answer.split('\r\n\r\n');
  return { status: Number(head.split(' ')[1]), headers: head.toLowerCase(), body: JSON.parse(body) };
}

t.test('headers past the server limit: 431 headers_too_large as problem+json', async (t) => {
  const { app } = await buildTestApp(t);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  const answer = problemOf(
    await raw(
      port,
      `GET /v1/sessions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${serviceToken(app)}\r\nX-Padding: ${'a'.repeat(20000)}\r\n\r\n`,
    ),
  );
  t.equal(answer.status, 431);
  t.match(answer.headers, /content-type: application\/problem\+json/);
  t.match(answer.body, {
    type: 'urn:session-registry:error:headers_too_large',
    status: 431,
    code: 'headers_too_large',
    title: String,
    detail: String,
    requestId: String,
  });
  t.match(answer.headers, new RegExp(`x-request-id: ${answer.body.requestId}`), 'the request id is echoed');
});

t.test('bytes that are not HTTP: 400 validation_failed as problem+json', async (t) => {
  const { app } = await buildTestApp(t);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  const answer = problemOf(await raw(port, 'NOT HTTP AT ALL\r\n\r\n'));
  t.equal(answer.status, 400);
  t.match(answer.headers, /content-type: application\/problem\+json/);
  t.match(answer.body, { status: 400, code: 'validation_failed', detail: 'The request is not valid HTTP.', requestId: String });
});

/**
 * A busy client: it sends `parts` 300 ms apart without reading, then reads what came. A server
 * that closes with the later parts unread makes the kernel reset the connection, and the reset
 * destroys the answer the client had not read yet: the outcome is then an error code.
 */
function busyClient(port: number, parts: string[]): Promise<string> {
  const pause = () => new Promise((resolve) => setTimeout(resolve, 300));
  return new Promise<string>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.pause();
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    socket.on('close', () => resolve(answer));
    socket.on('connect', async () => {
      for (const [i, part] of parts.entries()) {
        if (i > 0) await pause();
        socket.write(part);
      }
      socket.end();
      socket.resume();
    });
  });
}

t.test('a request still being sent when its headers are refused gets the 431, not a reset connection', async (t) => {
  const { app } = await buildTestApp(t);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  for (const method of ['GET', 'POST']) {
    const outcome = await busyClient(port, [
      `${method} /v1/users/bob/sessions?status=${'%E2%82%AC'.repeat(3000)} HTTP/1.1\r\nHost: x\r\n`,
      `X-Padding: ${'a'.repeat(30000)}\r\n`,
      '\r\n',
    ]);
    t.match(outcome, /^HTTP\/1\.1 431 /, `${method}: the answer arrives (${outcome.slice(0, 40)})`);
  }
});

t.test('a body still being sent when it is refused for its size gets the 413, not a reset connection', async (t) => {
  const { app } = await buildTestApp(t);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  for (const size of [200_000, 2_000_000]) {
    const head = `POST /v1/sessions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${serviceToken(app)}\r\nContent-Type: application/json\r\n`;
    const outcome = await busyClient(port, [`${head}Content-Length: ${size}\r\n\r\n`, 'a'.repeat(size / 2), 'a'.repeat(size / 2)]);
    t.match(outcome, /^HTTP\/1\.1 413 /, `${size} bytes: the answer arrives (${outcome.slice(0, 40)})`);
    t.match(outcome, /"code":"payload_too_large"/);
  }
});
