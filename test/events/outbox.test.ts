import t from 'tap';
import pg from 'pg';
import { createDatabase } from '../../src/db/database.js';
import { createUserDataRepository } from '../../src/sessions/repositories/user-data.js';
import { call, login, serviceToken } from '../helper.js';
import { buildEventsApp } from './support.js';

// The outbox is written by the statement that makes the change (a trigger on session_events):
// each lifecycle change leaves exactly its events, heartbeats leave none, and a change that rolls
// back leaves no event.

interface OutboxRow {
  type: string;
  session_id: string;
  user_id: string | null;
  data: Record<string, any>;
}

async function outbox(client: pg.Client): Promise<OutboxRow[]> {
  return (await client.query<OutboxRow>('select type, session_id, user_id, data from outbox_events order by seq')).rows;
}

t.test('every lifecycle change writes its events; heartbeats write none', async (t) => {
  const { app, db } = await buildEventsApp(t, { background: false, realGeo: true });
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  t.teardown(() => client.end());
  const token = serviceToken(app);

  const first = await login(app, { userId: 'ann', ip: '81.2.69.142' });
  const created = await outbox(client);
  t.same(
    created.map((r) => r.type),
    ['session.created'],
    'a first login: created, nothing flagged',
  );
  t.same(created[0].data, { sessionId: first.session.id, userId: 'ann', countryCode: 'GB', flags: [], actor: 'service:test-backend' });
  t.equal(created[0].user_id, 'ann');
  t.notOk(JSON.stringify(created).includes(first.token), 'never the token');

  for (let i = 0; i < 5; i++) {
    const beat = await call(app, token, { method: 'POST', url: `/v1/sessions/${first.session.id}/heartbeat`, payload: { pageViews: 1 } });
    t.equal(beat.statusCode, 200);
  }
  await call(app, token, { method: 'POST', url: `/v1/sessions/${first.session.id}/heartbeat`, payload: { ip: '81.2.69.160' } });
  t.equal((await outbox(client)).length, 1, 'heartbeats, even from a new address in the same country, write no event');

  const second = await login(app, { userId: 'ann', ip: '8.8.8.8' });
  const afterSecond = (await outbox(client)).slice(1);
  t.same(
    afterSecond.map((r) => r.type),
    ['session.created', 'session.flagged'],
    'a login from a new country: created, then flagged',
  );
  t.ok(afterSecond[1].data.flags.includes('new_country'));
  t.ok(
    afterSecond[1].data.reasons.some((r: { flag: string; message: string }) => r.flag === 'new_country' && r.message.length > 0),
    'with the reasons',
  );

  await call(app, token, { method: 'POST', url: `/v1/sessions/${first.session.id}/heartbeat`, payload: { ip: '8.8.4.4' } });
  const moved = (await outbox(client)).slice(3);
  t.equal(moved[0].type, 'session.location_changed', 'a heartbeat from another country: location_changed');
  t.same(moved[0].data, { sessionId: first.session.id, userId: 'ann', from: { countryCode: 'GB' }, to: { countryCode: 'US' } });
  // The signs it raises (travel, several countries at once) follow as one session.flagged.
  t.same(
    moved.slice(1).map((r) => r.type),
    moved.length > 1 ? ['session.flagged'] : [],
  );

  const ended = await call(app, token, { method: 'DELETE', url: `/v1/sessions/${second.session.id}?reason=password_change` });
  t.equal(ended.statusCode, 200);
  const last = (await outbox(client)).at(-1) as OutboxRow;
  t.same(last, {
    type: 'session.ended',
    session_id: second.session.id,
    user_id: 'ann',
    data: { sessionId: second.session.id, userId: 'ann', reason: 'password_change', actor: 'service:test-backend' },
  });
  await call(app, token, { method: 'DELETE', url: `/v1/sessions/${second.session.id}` });
  t.equal((await outbox(client)).filter((r) => r.type === 'session.ended').length, 1, 'ending an ended session writes nothing more');

  const logout = await app.inject({ method: 'POST', url: '/v1/me/logout', headers: { authorization: `Bearer ${first.token}` } });
  t.equal(logout.statusCode, 200);
  t.same((await outbox(client)).at(-1)?.data.reason, 'logout');
});

t.test('expiry written by the sweeper is a session.ended with its reason', async (t) => {
  const clock = { now: () => new Date(now) };
  let now = Date.now();
  const { app, db, sessions } = await buildEventsApp(t, { background: false, clock });
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  t.teardown(() => client.end());
  const { session } = await login(app, { userId: 'idle', idleTimeoutSeconds: 600 });
  now += 601_000;
  await sessions.sweep();
  const rows = await outbox(client);
  t.same(
    rows.map((r) => [r.type, r.data.reason ?? null, r.data.actor]),
    [
      ['session.created', null, 'service:test-backend'],
      ['session.ended', 'idle_timeout', 'expiry'],
    ],
  );
  t.equal(rows[1].session_id, session.id);
});

t.test('rows of the account-control vocabulary: reviewed, and an erasure that leaves no user id', async (t) => {
  const { app, db } = await buildEventsApp(t, { background: false });
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  t.teardown(() => client.end());
  const { session } = await login(app, { userId: 'zoe' });
  await client.query(
    `insert into session_events (session_id, user_id, at, type, actor, data) values ($1, 'zoe', now(), 'reviewed', 'user:x', '{"state":"confirmed"}')`,
    [session.id],
  );
  await client.query(`update sessions set ended_at = now(), end_reason = 'logout' where id = $1`, [session.id]);
  await client.query(
    `insert into session_events (session_id, user_id, at, type, actor, data) values ($1, 'zoe', now(), 'ended', 'service:ops', '{"reason":"erased"}')`,
    [session.id],
  );
  const rows = await outbox(client);
  t.same(
    rows.slice(1).map((r) => r.type),
    ['session.reviewed', 'session.ended'],
  );
  t.same(rows[1].data, { sessionId: session.id, userId: 'zoe', state: 'confirmed', actor: 'user:x' });
  t.equal(rows[2].user_id, null, 'an erasure event carries no user id in its column');
  t.same(rows[2].data, { sessionId: session.id, userId: null, reason: 'erased', actor: 'service:ops' }, 'nor in its data');

  const handle = createDatabase({ connectionString: db.url, poolSize: 1 });
  t.teardown(() => handle.close());
  const removed = await createUserDataRepository(handle).erase('zoe');
  t.equal(removed.outbox_events, 2, "the user's erasure removes their events from the outbox");
  const left = await client.query(`select count(*)::int as n from outbox_events where user_id = 'zoe' or data::text like '%zoe%'`);
  t.equal(left.rows[0].n, 0, 'no outbox row holds the user id');
  t.equal((await outbox(client)).length, 1, 'the erasure event stays, for receivers to match by session id');
});

t.test('a change that rolls back leaves no event', async (t) => {
  const { app, db } = await buildEventsApp(t, { background: false });
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  t.teardown(() => client.end());
  const { session } = await login(app, { userId: 'rb' });
  await client.query('begin');
  await client.query(`update sessions set ended_at = now(), end_reason = 'admin' where id = $1`, [session.id]);
  await client.query(
    `insert into session_events (session_id, user_id, at, type, actor, data) values ($1, 'rb', now(), 'ended', null, '{"reason":"admin"}')`,
    [session.id],
  );
  t.equal((await outbox(client)).length, 2, 'inside the transaction, the event is there');
  await client.query('rollback');
  t.same(
    (await outbox(client)).map((r) => r.type),
    ['session.created'],
    'after the rollback, only the login remains',
  );
});
