import t from 'tap';
import { buildTestApp, call, fixedClock, login, serviceToken } from '../helper.js';

t.test('active by last activity, ended by end time, all lists active first', async (t) => {
  const clock = fixedClock();
  const { app, sessions } = await buildTestApp(t, { clock });
  const token = serviceToken(app);
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) {
    ids.push((await login(app, { userId: 'fay' })).session.id);
    clock.advance(1000);
  }
  await call(app, token, { method: 'POST', url: `/v1/sessions/${ids[0]}/heartbeat` });
  clock.advance(1000);
  await call(app, token, { method: 'DELETE', url: `/v1/sessions/${ids[1]}` });
  clock.advance(1000);
  await call(app, token, { method: 'DELETE', url: `/v1/sessions/${ids[2]}` });
  await sessions.flushActivity();
  const active = (await call(app, token, { method: 'GET', url: '/v1/users/fay/sessions' })).json();
  t.same(
    active.items.map((s: { id: string }) => s.id),
    [ids[0], ids[3]],
    'heartbeat moved the first to the top',
  );
  t.equal(active.nextCursor, null);
  const ended = (await call(app, token, { method: 'GET', url: '/v1/users/fay/sessions?status=ended' })).json();
  t.same(
    ended.items.map((s: { id: string }) => s.id),
    [ids[2], ids[1]],
  );
  t.ok(ended.items.every((s: { durationSeconds: number }) => s.durationSeconds > 0));
  const all = (await call(app, token, { method: 'GET', url: '/v1/users/fay/sessions?status=all' })).json();
  t.same(
    all.items.map((s: { id: string }) => s.id),
    [ids[0], ids[3], ids[2], ids[1]],
  );
});

t.test('keyset pages have no gaps or repeats while sessions are being added', async (t) => {
  const clock = fixedClock();
  const { app, handle } = await buildTestApp(t, { clock });
  const token = serviceToken(app);
  const created: string[] = [];
  for (let i = 0; i < 23; i++) {
    created.push((await login(app, { userId: 'gil' })).session.id);
    clock.advance(i % 3 === 0 ? 0 : 10); // ties on the timestamp too
  }
  for (const status of ['active', 'all']) {
    const present = Number((await handle.pool.query("select count(*) from sessions where user_id = 'gil'")).rows[0].count);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/v1/users/gil/sessions?status=${status}&limit=5${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await call(app, token, { method: 'GET', url })).json();
      seen.push(...page.items.map((s: { id: string }) => s.id));
      cursor = page.nextCursor;
      pages++;
      await login(app, { userId: 'gil' }); // newer sessions land before the cursor and do not disturb it
      clock.advance(10);
    } while (cursor);
    t.equal(pages, Math.ceil(present / 5), `${status}: exactly the pages of the sessions present at the start`);
    t.equal(seen.length, present, `${status}: every one of them, once`);
    t.equal(new Set(seen).size, seen.length, `${status}: no repeats`);
    t.ok(
      created.every((id) => seen.includes(id)),
      `${status}: no gaps`,
    );
  }
});

t.test('list parameters are validated', async (t) => {
  const { app } = await buildTestApp(t);
  const token = serviceToken(app, 'sessions:read');
  const forged = Buffer.from(JSON.stringify({ g: 0, t: "2026-01-01T00:00:00.000Z'; drop table sessions; --", id: 'x' })).toString(
    'base64url',
  );
  for (const query of [
    'status=open',
    'limit=0',
    'limit=101',
    'limit=abc',
    'cursor=!!!',
    'cursor=bm90IGpzb24',
    `cursor=${forged}`,
    'flagged=maybe',
    'extra=1',
  ]) {
    const response = await call(app, token, { method: 'GET', url: `/v1/users/fay/sessions?${query}` });
    t.equal(response.statusCode, 400, query);
    t.equal(response.json().code, 'validation_failed', query);
  }
  const long = await call(app, token, { method: 'GET', url: `/v1/users/${'u'.repeat(129)}/sessions` });
  t.equal(long.statusCode, 400, 'userId over 128 characters');
  const fine = await call(app, token, { method: 'GET', url: '/v1/users/nobody/sessions?limit=100' });
  t.same(fine.json(), { items: [], nextCursor: null });
});
