// Baseline: what a heartbeat costs done the obvious way, one UPDATE per request on a pool of 10,
// on the same database. It checks no token at all, which flatters it.
import { lowercaseKeyword } from '../src/http/canonical-ids.js';
import Fastify, { type FastifySchema } from 'fastify';
import pg from 'pg';
import { Type } from '@sinclair/typebox';
import { HeartbeatBody, HeartbeatResult, SessionIdParams } from '../src/sessions/schemas.js';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10, application_name: 'bench-naive' });
pool.on('error', () => {});
const app = Fastify({ logger: false, ajv: { plugins: [lowercaseKeyword] } });
const IDLE_MS = 14 * 86400_000;
const schema: FastifySchema = {
  params: SessionIdParams,
  body: HeartbeatBody,
  response: { 200: HeartbeatResult, 410: Type.Object({ code: Type.String() }) },
};

app.get('/healthz', async () => ({ status: 'ok' }));
app.post('/hb/:id', { schema }, async (request, reply) => {
  const { rows } = await pool.query<{ id: string; user_id: string }>(
    'UPDATE sessions SET last_active_at = now(), heartbeats = heartbeats + 1 WHERE id = $1 AND ended_at IS NULL RETURNING id, user_id',
    [(request.params as { id: string }).id],
  );
  if (rows.length === 0) return reply.code(410).send({ code: 'session_ended' });
  return { id: rows[0].id, userId: rows[0].user_id, status: 'active', expiresAt: new Date(Date.now() + IDLE_MS).toISOString() };
});

await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
process.on(
  'SIGTERM',
  () =>
    void app
      .close()
      .then(() => pool.end())
      .then(() => process.exit(0)),
);
