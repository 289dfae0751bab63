import t from 'tap';
import pg from 'pg';
import { buildTestApp, call, login, serviceToken, until } from '../helper.js';
import { ENDED_CHANNEL } from '../../src/sessions/repositories/revocation-feed.js';

async function listen(t: { teardown(fn: () => unknown): void }, url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  t.teardown(() => client.end());
  const payloads: string[] = [];
  client.on('notification', (m) => m.channel === ENDED_CHANNEL && payloads.push(m.payload as string));
  await client.query(`listen ${ENDED_CHANNEL}`);
  return payloads;
}

t.test('a revoke sends one notice in the listener format, with one ended event', async (t) => {
  const { app, db, rows, eventLog } = await buildTestApp(t);
  const payloads = await listen(t, db.url);
  const { session } = await login(app, { userId: 'nora' });
  const response = await call(app, serviceToken(app), { method: 'DELETE', url: `/v1/sessions/${session.id}?reason=password_change` });
  t.equal(response.statusCode, 200);
  const row = await rows.findById(session.id);
  const notice = { id: session.id, userId: 'nora', endedAt: row?.ended_at?.toISOString(), reason: 'password_change' };
  t.ok(await until(() => payloads.length > 0));
  t.same(payloads, [JSON.stringify([notice])], 'exactly what JSON.stringify of the notices writes');
  const events = (await eventLog.list(session.id, 10, null)).filter((e) => e.type === 'ended');
  t.same(
    events.map((e) => [e.at.toISOString(), e.actor, e.data]),
    [[notice.endedAt, 'service:test-backend', { reason: 'password_change' }]],
  );
  const again = await call(app, serviceToken(app), { method: 'DELETE', url: `/v1/sessions/${session.id}` });
  t.same([again.statusCode, again.json().endReason], [200, 'password_change'], 'ending again answers the first end');
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.equal(payloads.length, 1, 'and notifies nothing more');
});

t.test('revoking many sessions of a long user id splits notices below the NOTIFY size cap', async (t) => {
  const { app, db, handle } = await buildTestApp(t);
  const payloads = await listen(t, db.url);
  // 128 characters is the longest user id accepted: 40 such notices exceed NOTIFY's 8000 bytes.
  const userId = 'u'.repeat(127) + '9';
  const ids: string[] = [];
  for (let i = 0; i < 45; i++) ids.push((await login(app, { userId })).session.id);
  const response = await call(app, serviceToken(app), { method: 'POST', url: `/v1/users/${userId}/sessions/revoke` });
  t.equal(response.statusCode, 200);
  t.equal(response.json().revoked, 45);
  t.ok(await until(() => payloads.flatMap((p) => JSON.parse(p)).length >= 45), 'every end is announced');
  const notices = payloads.flatMap((p) => JSON.parse(p) as Array<{ id: string; userId: string; endedAt: string; reason: string }>);
  t.same(notices.map((n) => n.id).sort(), [...ids].sort(), 'each session once');
  t.ok(
    notices.every((n) => n.userId === userId && n.reason === 'revoked' && n.endedAt === new Date(n.endedAt).toISOString()),
    'user, reason and ISO end time',
  );
  t.ok(payloads.length >= 2, `${payloads.length} notices`);
  for (const p of payloads) {
    t.ok(Buffer.byteLength(p) < 8000 && JSON.parse(p).length <= 40, `${Buffer.byteLength(p)} bytes, ${JSON.parse(p).length} ends`);
  }
  const events = await handle.pool.query<{ n: string }>("select count(*) as n from session_events where type = 'ended' and user_id = $1", [
    userId,
  ]);
  t.equal(events.rows[0].n, '45', 'one ended event each');
});
