// A webhook receiver for the events benchmark, in a process of its own: answers every POST with
// 204 at once and writes one line per request to stdout: the wall-clock arrival time in ms (with
// fractions, comparable with the harness's clock), webhook-id, event type and session id.
import { createServer } from 'node:http';

const lines: string[] = [];
const flush = () => {
  if (lines.length > 0) process.stdout.write(lines.splice(0).join(''));
};
setInterval(flush, 20).unref();

const server = createServer((request, response) => {
  if (request.method === 'GET') {
    response.writeHead(200).end('ok');
    return;
  }
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const at = performance.timeOrigin + performance.now();
    response.writeHead(204).end();
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type: string; data: { sessionId: string } };
    lines.push(`${at.toFixed(3)} ${String(request.headers['webhook-id'])} ${body.type} ${body.data.sessionId}\n`);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => {
  flush();
  server.close(() => process.exit(0));
});
