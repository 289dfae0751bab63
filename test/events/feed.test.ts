import t from 'tap';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { call, login, serviceToken, until } from '../helper.js';
import { buildEventsApp, createWebhook, startReceiver } from './support.js';

// The feed: the outbox in order, keyset-paginated, never passing an event that shows up later,
// and purged after EVENT_RETENTION.

t.test('pages walk every event in order; types filter; cursors are checked', async (t) => {
  const { app } = await buildEventsApp(t);
  const token = serviceToken(app, 'sessions:read');
  for (let i = 0; i < 5; i++) {
    const { session } = await login(app, { userId: `feed-${i}` });
    await call(app, serviceToken(app), { method: 'DELETE', url: `/v1/sessions/${session.id}?reason=revoked` });
  }
  const read = async (query: string) => call(app, token, { method: 'GET', url: `/v1/events${query}` });
  t.ok(await until(async () => (await read('')).json().items.length === 10), 'ten events');
  const all = (await read('')).json();
  t.same(
    all.items.map((e: { type: string; data: { userId: string } }) => `${e.data.userId} ${e.type}`),
    Array.from({ length: 5 }, (_, i) => [`feed-${i} session.created`, `feed-${i} session.ended`]).flat(),
  );
  t.match(all.items[1], {
    id: /^[0-9a-f-]{36}$/,
    type: 'session.ended',
    timestamp: /Z$/,
    data: { reason: 'revoked', sessionId: /^[0-9a-f-]{36}$/ },
  });

  const walked: string[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 10; page++) {
    const response = await read(`?limit=3${cursor ? `&after=${cursor}` : ''}`);
    t.equal(response.statusCode, 200);
    const body = response.json();
    walked.push(...body.items.map((e: { id: string }) => e.id));
    if (body.items.length === 0) {
      t.equal(body.nextCursor, cursor, 'an empty page hands back the cursor it was given');
      break;
    }
    cursor = body.nextCursor;
  }
  t.same(
    walked,
    all.items.map((e: { id: string }) => e.id),
    'pages of 3 give the same events in the same order',
  );

  const ended = (await read('?types=session.ended,session.ended')).json().items;
  t.equal(ended.length, 5);
  t.ok(ended.every((e: { type: string }) => e.type === 'session.ended'));
  t.same((await read('?types=session.flagged')).json(), { items: [], nextCursor: null });

  for (const query of [
    '?types=session.deleted',
    '?types=',
    '?after=abc',
    `?after=${Buffer.from('p0').toString('base64url')}`,
    `?after=${Buffer.from('p99999999999999999999').toString('base64url')}`,
    '?limit=0',
    '?limit=1001',
    '?since=1',
  ]) {
    const response = await read(query);
    t.equal(response.statusCode, 400, query);
    t.equal(response.json().code, 'validation_failed', query);
  }
});

t.test('an event whose transaction commits late appears after the cursor, never behind it', async (t) => {
  const { app, db } = await buildEventsApp(t);
  const token = serviceToken(app, 'sessions:read');
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  t.teardown(() => client.end());
  const late = uuidv7();
  // A transaction writes its event first, and commits last.
  await client.query('begin');
  await client.query(
    `insert into session_events (session_id, user_id, at, type, actor, data) values ($1, 'late', now(), 'login', null, '{"flags":[]}')`,
    [late],
  );
  await login(app, { userId: 'early' });
  const read = async (after: string | null) =>
    (await call(app, token, { method: 'GET', url: `/v1/events${after ? `?after=${after}` : ''}` })).json();
  t.ok(await until(async () => (await read(null)).items.length === 1), 'the committed event is in the feed');
  const first = await read(null);
  t.equal(first.items[0].data.userId, 'early');
  await client.query('commit');
  t.ok(await until(async () => (await read(first.nextCursor)).items.length === 1), 'the late one comes after the cursor the reader holds');
  t.equal((await read(first.nextCursor)).items[0].data.sessionId, late);
});

t.test('events older than EVENT_RETENTION are purged, with their deliveries', async (t) => {
  const { app, db, events, manage } = await buildEventsApp(t, { env: { EVENT_RETENTION: '2d' } });
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  t.teardown(() => client.end());
  const receiver = await startReceiver(t);
  await createWebhook(app, manage, { url: receiver.url });
  for (let i = 0; i < 4; i++) await login(app, { userId: `old-${i}` });
  const deliveries = async () =>
    (await client.query<{ n: number }>(`select count(*)::int as n from webhook_deliveries where state = 'delivered'`)).rows[0].n;
  t.ok(await until(async () => (await deliveries()) === 4), 'four deliveries made');
  await client.query(`update outbox_events set created_at = now() - interval '3 days' where data->>'userId' in ('old-0', 'old-1')`);
  t.equal(await events.purge(), 2, 'two purged');
  const left = await client.query<{ user_id: string }>('select user_id from outbox_events order by seq');
  t.same(
    left.rows.map((r) => r.user_id),
    ['old-2', 'old-3'],
  );
  t.equal(await deliveries(), 2, 'their deliveries went with them');
  t.equal(await events.purge(), 0, 'nothing more');
});
