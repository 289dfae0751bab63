import t from 'tap';
import { Webhook } from 'standardwebhooks';
import { call, login, serviceToken, until } from '../helper.js';
import { buildEventsApp, createWebhook, startReceiver } from './support.js';

// Delivery as Standard Webhooks describes it, checked by its reference implementation: headers,
// signature, body; retries of 500s and timeouts; order per session; no redirects followed.

const json = (body: string) => JSON.parse(body) as { type: string; timestamp: string; data: Record<string, unknown> };

t.test('events arrive signed; the standardwebhooks package verifies them', async (t) => {
  const { app, manage } = await buildEventsApp(t);
  const receiver = await startReceiver(t);
  const { endpoint, secret } = await createWebhook(app, manage, { url: receiver.url, description: 'audit' });
  t.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/, 'a whsec_ secret of 32 bytes');
  const { session } = await login(app, { userId: 'sig' });
  await call(app, serviceToken(app), { method: 'DELETE', url: `/v1/sessions/${session.id}?reason=admin` });
  t.ok(await until(() => receiver.received.length >= 2), 'both events arrive');

  const verifier = new Webhook(secret);
  const bodies = receiver.received.map((r) => verifier.verify(r.body, r.headers as Record<string, string>) as ReturnType<typeof json>);
  t.same(
    bodies.map((b) => b.type),
    ['session.created', 'session.ended'],
    'in order',
  );
  t.same(bodies[1].data, { sessionId: session.id, userId: 'sig', reason: 'admin', actor: 'service:test-backend' });
  t.same(Object.keys(bodies[0]).sort(), ['data', 'timestamp', 'type'], 'the body is {type, timestamp, data}');
  const first = receiver.received[0].headers;
  t.equal(first['content-type'], 'application/json');
  t.match(first['webhook-timestamp'], /^\d{10}$/);
  t.throws(
    () => new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(receiver.received[0].body, first as Record<string, string>),
    'another secret does not verify',
  );
  t.throws(
    () => verifier.verify(receiver.received[0].body.replace('sig', 'gis'), first as Record<string, string>),
    'a changed body does not verify',
  );

  const feed = (await call(app, serviceToken(app), { method: 'GET', url: '/v1/events' })).json();
  t.same(
    receiver.received.map((r) => r.headers['webhook-id']),
    feed.items.map((e: { id: string }) => e.id),
    'webhook-id is the event id of the feed',
  );

  const deliveries = await call(app, manage, { method: 'GET', url: `/v1/webhooks/${endpoint.id}/deliveries` });
  t.equal(deliveries.statusCode, 200);
  const items = deliveries.json().items;
  t.same(
    items.map((d: { status: string; eventType: string }) => [d.eventType, d.status]),
    [
      ['session.ended', 'delivered'],
      ['session.created', 'delivered'],
    ],
    'newest first',
  );
  t.match(items[0].attemptLog, [{ statusCode: 200, error: null }]);
  t.equal(items[0].attempts, 1);
  t.ok(
    await until(async () => (await call(app, manage, { method: 'GET', url: `/v1/webhooks/${endpoint.id}` })).json().lastSuccessAt !== null),
    'the endpoint shows its last success',
  );
});

t.test('only the types an endpoint asked for', async (t) => {
  const { app, manage } = await buildEventsApp(t);
  const receiver = await startReceiver(t);
  await createWebhook(app, manage, { url: receiver.url, events: ['session.ended'] });
  const { session } = await login(app, { userId: 'types' });
  await login(app, { userId: 'types-2' });
  await call(app, serviceToken(app), { method: 'DELETE', url: `/v1/sessions/${session.id}` });
  t.ok(await until(() => receiver.received.length >= 1));
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.same(
    receiver.received.map((r) => json(r.body).type),
    ['session.ended'],
  );
});

t.test('500s and timeouts are retried, with the same webhook-id, until an answer is 2xx', async (t) => {
  const { app, manage } = await buildEventsApp(t, {
    env: { WEBHOOK_TIMEOUT_MS: '300', WEBHOOK_RETRY_SCHEDULE: '100ms,100ms,100ms,100ms' },
  });
  const receiver = await startReceiver(t, (_r, i) => (i < 2 ? 500 : i === 2 ? 'hang' : 204));
  const { endpoint } = await createWebhook(app, manage, { url: receiver.url });
  await login(app, { userId: 'retry' });
  t.ok(await until(() => receiver.received.length >= 4), 'four attempts');
  const ids = new Set(receiver.received.map((r) => r.headers['webhook-id']));
  t.equal(ids.size, 1, 'one event, one webhook-id');
  t.ok(
    await until(
      async () =>
        (await call(app, manage, { method: 'GET', url: `/v1/webhooks/${endpoint.id}/deliveries` })).json().items[0]?.status === 'delivered',
    ),
    'delivered in the end',
  );
  const [delivery] = (await call(app, manage, { method: 'GET', url: `/v1/webhooks/${endpoint.id}/deliveries` })).json().items;
  t.equal(delivery.attempts, 4);
  t.match(delivery.attemptLog, [
    { statusCode: 500, error: 'answered 500' },
    { statusCode: 500 },
    { statusCode: null, error: /no answer within 300 ms/ },
    { statusCode: 204, error: null },
  ]);
  const gaps = receiver.received.slice(1).map((r, i) => r.at - receiver.received[i].at);
  t.ok(gaps[0] >= 70, `waited before retrying (${gaps.join(', ')} ms)`);
  t.equal(receiver.received.length, 4, 'nothing after the success');
});

t.test('a redirect is a failed attempt, and is not followed', async (t) => {
  const { app, manage } = await buildEventsApp(t, { env: { WEBHOOK_RETRY_SCHEDULE: '5s' } });
  const elsewhere = await startReceiver(t);
  const receiver = await startReceiver(t, () => ({ status: 307, headers: { location: elsewhere.url } }));
  const { endpoint } = await createWebhook(app, manage, { url: receiver.url });
  await login(app, { userId: 'redirect' });
  t.ok(await until(() => receiver.received.length >= 1));
  const items = async () => (await call(app, manage, { method: 'GET', url: `/v1/webhooks/${endpoint.id}/deliveries` })).json().items;
  t.ok(await until(async () => (await items())[0]?.attempts === 1));
  const [delivery] = await items();
  t.equal(delivery.status, 'pending', 'to be retried');
  t.match(delivery.attemptLog, [{ statusCode: 307, error: 'redirect (307) not followed' }]);
  t.equal(elsewhere.received.length, 0, 'the Location was never requested');
});

t.test("each endpoint sees a session's events in order, whatever the answers take", async (t) => {
  const { app, manage } = await buildEventsApp(t, { env: { WEBHOOK_CONCURRENCY: '16' } });
  const receiver = await startReceiver(t, () => 200);
  // The first attempt of every third event fails: its retry comes later, and the session's later
  // events must wait for it.
  const firstSeen = new Map<string, number>();
  const slow = await startReceiver(t, (r) => {
    const id = String(r.headers['webhook-id']);
    if (firstSeen.has(id)) return 200;
    firstSeen.set(id, firstSeen.size);
    return (firstSeen.size - 1) % 3 === 0 ? 503 : 200;
  });
  await createWebhook(app, manage, { url: receiver.url });
  await createWebhook(app, manage, { url: slow.url });
  const token = serviceToken(app);
  const ids: string[] = [];
  await Promise.all(
    Array.from({ length: 20 }, async (_, i) => {
      const { session } = await login(app, { userId: `order-${i % 4}` });
      ids.push(session.id);
      await call(app, token, {
        method: 'POST',
        url: `/v1/sessions/${session.id}/heartbeat`,
        payload: { ip: i % 2 ? '8.8.8.8' : '1.1.1.1' },
      });
      await call(app, token, { method: 'DELETE', url: `/v1/sessions/${session.id}` });
    }),
  );
  const settled = (r: typeof receiver) => new Set(r.received.map((x) => x.headers['webhook-id'])).size;
  t.ok(await until(() => settled(receiver) >= 40 && settled(slow) >= 40, 15000), 'every event reached both');
  for (const r of [receiver, slow]) {
    for (const id of ids) {
      const attempts = r.received
        .map((x) => ({ ...json(x.body), eventId: String(x.headers['webhook-id']), ok: x.status >= 200 && x.status < 300 }))
        .filter((x) => x.data.sessionId === id);
      const events = [...new Set(attempts.map((a) => a.eventId))];
      const types = events.map((e) => attempts.find((a) => a.eventId === e)?.type);
      if (types[0] !== 'session.created' || types.at(-1) !== 'session.ended')
        t.fail(`session ${id}: events in the order ${types.join(', ')}`);
      // No event of the session is attempted before the one before it was accepted.
      for (let k = 1; k < events.length; k++) {
        const accepted = attempts.findIndex((a) => a.eventId === events[k - 1] && a.ok);
        const tried = attempts.findIndex((a) => a.eventId === events[k]);
        if (accepted === -1 || tried < accepted) t.fail(`session ${id}: ${types[k]} attempted before ${types[k - 1]} was accepted`);
      }
    }
  }
  t.pass('for every session, at both endpoints, each event was attempted only once the one before was accepted');
});

t.test('a receiver that is down gets everything once it is back', async (t) => {
  const { app, manage } = await buildEventsApp(t, { env: { WEBHOOK_RETRY_SCHEDULE: '100ms,200ms,400ms,800ms,1600ms,3s' } });
  const receiver = await startReceiver(t);
  const { endpoint } = await createWebhook(app, manage, { url: receiver.url });
  await receiver.close();
  const token = serviceToken(app);
  for (let i = 0; i < 10; i++) {
    const { session } = await login(app, { userId: `down-${i}` });
    await call(app, token, { method: 'DELETE', url: `/v1/sessions/${session.id}` });
  }
  const failing = async () =>
    (await call(app, manage, { method: 'GET', url: `/v1/webhooks/${endpoint.id}/deliveries?limit=100` })).json().items;
  t.ok(
    await until(async () =>
      (await failing()).some((d: { attemptLog: Array<{ error: string }> }) => /ECONNREFUSED/.test(d.attemptLog[0]?.error ?? '')),
    ),
    'attempts fail while it is down',
  );
  await new Promise((resolve) => setTimeout(resolve, 700));
  await receiver.reopen();
  t.ok(await until(() => new Set(receiver.received.map((r) => r.headers['webhook-id'])).size === 20, 10000), 'all 20 events arrive');
  t.ok(
    await until(async () => (await failing()).every((d: { status: string }) => d.status === 'delivered')),
    'every delivery is recorded as delivered',
  );
});

t.test('failing for the whole schedule: the delivery fails and the endpoint is disabled; turning it on resumes', async (t) => {
  const { app, manage } = await buildEventsApp(t, { env: { WEBHOOK_RETRY_SCHEDULE: '50ms,50ms' } });
  const receiver = await startReceiver(t, () => 500);
  const { endpoint } = await createWebhook(app, manage, { url: receiver.url });
  await login(app, { userId: 'fail' });
  const get = async () => (await call(app, manage, { method: 'GET', url: `/v1/webhooks/${endpoint.id}` })).json();
  t.ok(await until(async () => (await get()).enabled === false), 'disabled');
  const disabled = await get();
  t.equal(disabled.disabledReason, 'failing');
  t.ok(disabled.disabledAt);
  t.equal(receiver.received.length, 3, 'one attempt and two retries');
  const [delivery] = (await call(app, manage, { method: 'GET', url: `/v1/webhooks/${endpoint.id}/deliveries` })).json().items;
  t.equal(delivery.status, 'failed');
  t.equal(delivery.attemptLog.length, 3);

  await login(app, { userId: 'fail-2' });
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.equal(receiver.received.length, 3, 'a disabled endpoint gets nothing new');
  receiver.respond(() => 200);
  const on = await call(app, manage, { method: 'PATCH', url: `/v1/webhooks/${endpoint.id}`, payload: { enabled: true } });
  t.match(on.json(), { enabled: true, disabledReason: null, disabledAt: null });
  await login(app, { userId: 'fail-3' });
  t.ok(await until(() => receiver.received.some((r) => json(r.body).data.userId === 'fail-3')), 'events after it is back on arrive');
  t.notOk(
    receiver.received.some((r) => json(r.body).data.userId === 'fail-2'),
    'events while it was off were not queued for it',
  );
});

t.test('secret rotation: old and new sign side by side for the grace period, then only the new one', async (t) => {
  const { app, manage } = await buildEventsApp(t);
  const receiver = await startReceiver(t);
  const { endpoint, secret: oldSecret } = await createWebhook(app, manage, { url: receiver.url });
  const rotated = await call(app, manage, {
    method: 'POST',
    url: `/v1/webhooks/${endpoint.id}/rotate-secret`,
    payload: { graceSeconds: 3600 },
  });
  t.equal(rotated.statusCode, 200);
  const newSecret = rotated.json().secret;
  t.not(newSecret, oldSecret);
  t.ok(rotated.json().endpoint.previousSecretExpiresAt, 'the grace period shows');
  await login(app, { userId: 'rot' });
  t.ok(await until(() => receiver.received.length >= 1));
  const during = receiver.received[0];
  t.equal(String(during.headers['webhook-signature']).split(' ').length, 2, 'two signatures');
  t.ok(new Webhook(oldSecret).verify(during.body, during.headers as Record<string, string>), 'the old secret verifies');
  t.ok(new Webhook(newSecret).verify(during.body, during.headers as Record<string, string>), 'the new secret verifies');

  const again = await call(app, manage, { method: 'POST', url: `/v1/webhooks/${endpoint.id}/rotate-secret`, payload: { graceSeconds: 0 } });
  const newest = again.json().secret;
  await login(app, { userId: 'rot-2' });
  t.ok(await until(() => receiver.received.length >= 2));
  const after = receiver.received[1];
  t.equal(String(after.headers['webhook-signature']).split(' ').length, 1, 'one signature without a grace period');
  t.ok(new Webhook(newest).verify(after.body, after.headers as Record<string, string>));
  t.throws(
    () => new Webhook(newSecret).verify(after.body, after.headers as Record<string, string>),
    'the rotated-out secret no longer verifies',
  );
});
