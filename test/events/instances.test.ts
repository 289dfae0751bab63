import t from 'tap';
import { call, createTestDatabase, login, serviceToken, until } from '../helper.js';
import { buildEventsApp, createWebhook, startReceiver } from './support.js';

// Two instances on one database, both delivering: claims are exclusive, so in normal operation
// each event reaches each endpoint once, and both instances share the work.

t.test('two instances: every event once per endpoint, work shared', async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const env = { WEBHOOK_CONCURRENCY: '4' };
  const a = await buildEventsApp(t, { db, env });
  const b = await buildEventsApp(t, { db, env });
  const receiver = await startReceiver(t, () => ({ status: 200, delayMs: 10 }));
  const second = await startReceiver(t);
  await createWebhook(a.app, a.manage, { url: receiver.url });
  await createWebhook(b.app, b.manage, { url: second.url, events: ['session.ended'] });

  for (let i = 0; i < 60; i++) {
    const app = i % 2 ? a.app : b.app;
    const { session } = await login(app, { userId: `twin-${i % 7}` });
    await call(i % 3 ? a.app : b.app, serviceToken(app), { method: 'DELETE', url: `/v1/sessions/${session.id}` });
  }
  const ids = (r: typeof receiver) => r.received.map((x) => String(x.headers['webhook-id']));
  t.ok(await until(() => new Set(ids(receiver)).size === 120 && new Set(ids(second)).size === 60, 20000), 'every event arrived');
  await new Promise((resolve) => setTimeout(resolve, 500));
  const twice = (r: typeof receiver) => ids(r).filter((id, i, all) => all.indexOf(id) !== i);
  t.same(twice(receiver), [], '120 events, none twice');
  t.same(twice(second), [], '60 ends at the second endpoint, none twice');

  const attempts = async (app: typeof a) => {
    const text = (await app.app.inject({ method: 'GET', url: '/metrics' })).body;
    return Number(/session_registry_webhook_attempts_total\{outcome="delivered"\} (\d+)/.exec(text)?.[1] ?? 0);
  };
  const [fromA, fromB] = [await attempts(a), await attempts(b)];
  t.equal(fromA + fromB, 180, 'the two instances made 180 attempts between them');
  t.ok(fromA > 0 && fromB > 0, `both delivered (${fromA} and ${fromB})`);
});
