// Baseline: the same Fastify version answering a heartbeat-shaped request with the same body and
// response schemas, and nothing else (no authentication, no state, no database).
import { lowercaseKeyword } from '../src/http/canonical-ids.js';
import Fastify from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { HeartbeatBody, HeartbeatResult, SessionIdParams } from '../src/sessions/schemas.js';

const app = Fastify({ logger: false, ajv: { plugins: [lowercaseKeyword] } }).withTypeProvider<TypeBoxTypeProvider>();
const IDLE_MS = 14 * 86400_000;

app.get('/healthz', async () => ({ status: 'ok' }));
app.post('/hb/:id', { schema: { params: SessionIdParams, body: HeartbeatBody, response: { 200: HeartbeatResult } } }, async (request) => ({
  id: request.params.id,
  userId: 'bench',
  status: 'active' as const,
  expiresAt: new Date(Date.now() + IDLE_MS).toISOString(),
}));

await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
