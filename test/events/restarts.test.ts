import t, { type Test } from 'tap';
import pg from 'pg';
import { createTestDatabase, until } from '../helper.js';
import { startPrivatePostgres } from '../faults/support/private-postgres.js';
import { request } from '../faults/support/http.js';
import { signServiceToken, startService, type Service } from '../faults/support/service.js';
import { SECRETS_KEY, startReceiver, type Received } from './support.js';

// Never lost: the registry runs as a process of its own (production mode), its deliveries are
// cut by SIGKILL or by PostgreSQL stopping, and every event still arrives, duplicates carrying
// the webhook-id (and body) of the first attempt.

const ENV = {
  WEBHOOK_SECRETS_KEY: SECRETS_KEY,
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
  WEBHOOK_TIMEOUT_MS: '1000',
  WEBHOOK_POLL_INTERVAL_MS: '50',
  WEBHOOK_RETRY_SCHEDULE: '200ms,500ms,1s,2s,3s,5s',
  WEBHOOK_CONCURRENCY: '8',
  RATE_LIMIT_PER_MINUTE: '1000000',
  AUTH_FAILURES_PER_MINUTE: '1000000',
};
const token = signServiceToken();

async function traffic(t: Test, service: Service, receiverUrl: string, sessions: number): Promise<void> {
  const created = await request(service.url, {
    method: 'POST',
    path: '/v1/webhooks',
    token: signServiceToken('webhooks:manage sessions:read'),
    body: { url: receiverUrl },
  });
  t.equal(created.status, 201, `webhook created (${created.body.slice(0, 200)})`);
  for (let i = 0; i < sessions; i++) {
    const login = await request(service.url, { method: 'POST', path: '/v1/sessions', token, body: { userId: `crash-${i % 5}` } });
    await request(service.url, { method: 'DELETE', path: `/v1/sessions/${login.json.session.id}`, token });
  }
}

/** Every event of the outbox arrived; what arrived twice is the same webhook-id with the same body. */
async function allArrived(t: Test, url: string, received: Received[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const expected = (await client.query<{ id: string }>('select id from outbox_events')).rows.map((r) => r.id);
    const arrived = () => new Set(received.filter((r) => r.status === 200).map((r) => String(r.headers['webhook-id'])));
    t.ok(
      await until(() => expected.every((id) => arrived().has(id)), 60000),
      `all ${expected.length} events were accepted by the receiver`,
    );
    const pending = async () =>
      (await client.query<{ n: number }>(`select count(*)::int as n from webhook_deliveries where state <> 'delivered'`)).rows[0].n;
    t.ok(await until(async () => (await pending()) === 0, 20000), 'and every delivery is recorded as delivered');
    const bodies = new Map<string, Set<string>>();
    for (const r of received)
      bodies.set(String(r.headers['webhook-id']), (bodies.get(String(r.headers['webhook-id'])) ?? new Set()).add(r.body));
    t.same(
      [...bodies.values()].filter((b) => b.size > 1),
      [],
      'a repeated webhook-id always carried the same body',
    );
    t.equal(bodies.size, expected.length, 'no webhook-id outside the outbox');
    t.comment(`${received.length} requests for ${expected.length} events`);
  } finally {
    await client.end();
  }
}

t.test('SIGKILL with deliveries in flight: the next instance delivers everything', async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const receiver = await startReceiver(t, () => ({ status: 200, delayMs: 150 }));
  const env = { ...ENV, DATABASE_URL: db.url, MIGRATE_ON_START: 'false' };
  const first = await startService(env);
  t.teardown(() => first.kill('SIGKILL'));
  await traffic(t, first, receiver.url, 30);
  // Killed at a moment when the receiver holds requests it has not answered yet.
  t.ok(await until(() => receiver.received.length >= 8 && receiver.received.some((r) => r.status === 0), 20000), 'deliveries under way');
  first.kill('SIGKILL');
  const cut = receiver.received.filter((r) => r.status === 0).length;
  await first.exited;
  t.ok(cut > 0, `${cut} requests were in flight when the process was killed`);

  const second = await startService(env);
  t.teardown(() => second.kill('SIGKILL'));
  await allArrived(t, db.url, receiver.received);
  second.kill('SIGTERM');
  await second.exited;
});

t.test('PostgreSQL stops and comes back during deliveries: nothing is lost', async (t) => {
  const database = await startPrivatePostgres();
  t.teardown(() => database.destroy());
  const receiver = await startReceiver(t, () => ({ status: 200, delayMs: 300 }));
  const service = await startService({ ...ENV, DATABASE_URL: database.url });
  t.teardown(() => service.kill('SIGKILL'));
  await traffic(t, service, receiver.url, 25);
  t.ok(await until(() => receiver.received.length >= 5, 20000), 'deliveries under way');
  await database.stop();
  const accepted = receiver.received.filter((r) => r.status === 200).length;
  t.ok(accepted < 50, `${accepted} of 50 events were accepted when the database stopped`);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await database.start();
  await allArrived(t, database.url, receiver.received);
  t.equal(service.child.exitCode, null, 'the service kept running');
  service.kill('SIGTERM');
  await service.exited;
});
