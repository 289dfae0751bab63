import t, { type Test } from 'tap';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { buildTestApp, CHROME_MAC, createTestDatabase, login, serviceToken, type TestApp } from '../helper.js';

// Several heartbeats that bring the same new address or User-Agent at once (tabs reporting after a
// Wi-Fi change, on one instance or spread over several) are one change: one event of each kind,
// one outbox row of each kind, whatever the interleaving. Each test runs several trials, so a
// pass is not the luck of one interleaving.

const TRIALS = 10;
const CONCURRENT = 8;
const HOME = '81.2.69.142';
const AWAY = '8.8.8.8';
const FIREFOX = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0';

interface Logged {
  type: string;
  data: Record<string, any>;
}

async function reader(t: Test, url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  t.teardown(() => client.end());
  return {
    events: async (id: string): Promise<Logged[]> =>
      (await client.query('select type, data from session_events where session_id = $1 order by id', [id])).rows,
    outbox: async (id: string): Promise<string[]> =>
      (await client.query('select type from outbox_events where session_id = $1 order by seq', [id])).rows.map((r) => r.type),
    stored: async (id: string) => (await client.query('select ip, user_agent, location, risk from sessions where id = $1', [id])).rows[0],
  };
}

const count = <T>(items: T[], item: T) => items.filter((x) => x === item).length;

// Two instances on one database, for every test (each test uses users of its own).
const db = await createTestDatabase();
t.teardown(() => db.drop());
const a = await buildTestApp(t, { db });
const b = await buildTestApp(t, { db });
const log = await reader(t, db.url);

/** A user with an earlier session at home, and the session that will move. */
async function movingSession(app: FastifyInstance, userId: string): Promise<string> {
  await login(app, { userId, ip: HOME });
  const { session } = await login(app, { userId, ip: HOME });
  return session.id;
}

/** Heartbeats sent at once, the i-th to apps[i % apps.length]; every one must be answered 200. */
async function burst(t: Test, apps: FastifyInstance[], id: string, bodies: Array<Record<string, unknown>>): Promise<void> {
  const answers = await Promise.all(
    bodies.map((payload, i) => {
      const app = apps[i % apps.length];
      return app.inject({
        method: 'POST',
        url: `/v1/sessions/${id}/heartbeat`,
        headers: { authorization: `Bearer ${serviceToken(app)}` },
        payload,
      });
    }),
  );
  t.same(
    answers.map((a) => a.statusCode),
    bodies.map(() => 200),
    'every heartbeat is answered as a heartbeat',
  );
  t.ok(
    answers.every((a) => a.json().status === 'active' && a.json().id === id),
    'with the session active',
  );
}

const heldIp = (instance: TestApp, id: string) => {
  const slot = instance.cache.slotOf(id);
  return slot < 0 ? undefined : instance.cache.ipOf(slot);
};
const heldAgent = (instance: TestApp, id: string) => {
  const slot = instance.cache.slotOf(id);
  return slot < 0 ? undefined : instance.cache.userAgentOf(slot);
};

async function oneAddressChange(t: Test, instances: TestApp[]) {
  for (let trial = 0; trial < TRIALS; trial++) {
    const id = await movingSession(instances[0].app, `wifi-${instances.length}-${trial}`);
    // Every instance holds the session at its old address, as it would after earlier heartbeats.
    for (const { app } of instances) await burst(t, [app], id, [{}]);
    await burst(
      t,
      instances.map((i) => i.app),
      id,
      Array.from({ length: CONCURRENT }, () => ({ ip: AWAY })),
    );

    const types = (await log.events(id)).map((e) => e.type);
    t.equal(count(types, 'ip_changed'), 1, `trial ${trial}: one ip_changed`);
    t.equal(count(types, 'country_changed'), 1, `trial ${trial}: one country_changed`);
    t.equal(count(types, 'flagged'), 1, `trial ${trial}: one flagged`);
    const outbox = await log.outbox(id);
    t.equal(count(outbox, 'session.location_changed'), 1, `trial ${trial}: one location_changed in the outbox`);
    t.equal(count(outbox, 'session.flagged'), 1, `trial ${trial}: one session.flagged in the outbox`);
    const stored = await log.stored(id);
    t.equal(stored.ip, AWAY);
    t.equal(stored.location.countryCode, 'US');
    for (const instance of instances) t.equal(heldIp(instance, id), AWAY, `trial ${trial}: each instance holds the stored address`);
  }
}

t.test('one instance: concurrent heartbeats with the same new address record one change', async (t) => {
  await oneAddressChange(t, [a]);
});

t.test('two instances: concurrent heartbeats with the same new address record one change', async (t) => {
  await oneAddressChange(t, [a, b]);
});

t.test('concurrent heartbeats with the same new User-Agent record one device change, on one instance and across two', async (t) => {
  for (const instances of [[a], [a, b]]) {
    for (let trial = 0; trial < TRIALS; trial++) {
      const { session } = await login(a.app, { userId: `update-${instances.length}-${trial}`, userAgent: CHROME_MAC });
      for (const { app } of instances) await burst(t, [app], session.id, [{}]);
      const outboxBefore = await log.outbox(session.id);
      await burst(
        t,
        instances.map((i) => i.app),
        session.id,
        Array.from({ length: CONCURRENT }, () => ({ userAgent: FIREFOX })),
      );

      const events = (await log.events(session.id)).filter((e) => e.type === 'user_agent_changed');
      t.equal(events.length, 1, `${instances.length} instance(s), trial ${trial}: one user_agent_changed`);
      t.match(events[0]?.data, { to: /Firefox/ });
      t.same(await log.outbox(session.id), outboxBefore, 'nothing more in the outbox');
      t.equal((await log.stored(session.id)).user_agent, FIREFOX);
      for (const instance of instances) t.equal(heldAgent(instance, session.id), FIREFOX, 'each instance holds the stored User-Agent');
    }
  }
});

t.test('a change and its reverse are two changes, however many heartbeats bring each', async (t) => {
  const id = await movingSession(a.app, 'roundtrip');
  await burst(t, [b.app], id, [{}]);
  await burst(
    t,
    [a.app, b.app],
    id,
    Array.from({ length: CONCURRENT }, () => ({ ip: AWAY })),
  );
  await burst(
    t,
    [b.app, a.app],
    id,
    Array.from({ length: CONCURRENT }, () => ({ ip: HOME })),
  );

  const events = await log.events(id);
  t.same(
    events.filter((e) => e.type === 'ip_changed').map((e) => e.data),
    [
      { from: HOME, to: AWAY },
      { from: AWAY, to: HOME },
    ],
  );
  t.same(
    events.filter((e) => e.type === 'country_changed').map((e) => e.data),
    [
      { from: 'GB', to: 'US' },
      { from: 'US', to: 'GB' },
    ],
  );
  t.equal(count(await log.outbox(id), 'session.location_changed'), 2);
  t.equal((await log.stored(id)).ip, HOME);
  t.equal(heldIp(a, id), HOME);
  t.equal(heldIp(b, id), HOME);
});

t.test('heartbeats from two new addresses at once: each recorded change starts where the last one ended', async (t) => {
  for (const instances of [[a], [a, b]]) {
    for (let trial = 0; trial < TRIALS; trial++) {
      const id = await movingSession(a.app, `two-tabs-${instances.length}-${trial}`);
      for (const { app } of instances) await burst(t, [app], id, [{}]);
      // Two tabs on two networks report at once (over both instances when there are two).
      const addresses = [AWAY, '2.125.160.216'];
      const apps = instances.length === 1 ? [a.app] : [a.app, a.app, b.app, b.app];
      await burst(
        t,
        apps,
        id,
        Array.from({ length: CONCURRENT }, (_, i) => ({ ip: addresses[i % 2] })),
      );

      const events = await log.events(id);
      const moves = events.filter((e) => e.type === 'ip_changed').map((e) => e.data);
      const stored = await log.stored(id);
      t.ok(moves.length >= 1 && moves.length <= CONCURRENT, `${instances.length} instance(s), trial ${trial}: ${moves.length} change(s)`);
      t.equal(moves[0]?.from, HOME, 'the first starts at the address the session had');
      for (let i = 1; i < moves.length; i++) t.equal(moves[i].from, moves[i - 1].to, `change ${i} starts where change ${i - 1} ended`);
      for (const move of moves) t.not(move.from, move.to, 'no change to the same address');
      t.equal(moves.at(-1)?.to, stored.ip, 'the last ends at the stored address');
      const countries = events.filter((e) => e.type === 'country_changed').map((e) => e.data);
      for (let i = 1; i < countries.length; i++) t.equal(countries[i].from, countries[i - 1].to, 'countries chain too');
      t.equal(countries.at(-1)?.to ?? 'GB', stored.location?.countryCode, 'the last country is the stored one');
      // One instance holds what is stored. With two, each holds what it last found stored: the
      // other may have recorded a later change since, which this one learns from the next
      // heartbeat that brings another address.
      if (instances.length === 1) t.equal(heldIp(a, id), stored.ip, 'the instance holds the stored address');
      else
        for (const instance of instances)
          t.ok(
            moves.some((m) => m.to === heldIp(instance, id)),
            'each instance holds an address the session had',
          );
    }
  }
});

t.test('a session stored without an address gets one once, however many heartbeats bring it', async (t) => {
  for (let trial = 0; trial < TRIALS; trial++) {
    const { session } = await login(a.app, { userId: `unknown-${trial}`, ip: undefined });
    for (const { app } of [a, b]) await burst(t, [app], session.id, [{}]);
    await burst(
      t,
      [a.app, b.app],
      session.id,
      Array.from({ length: CONCURRENT }, () => ({ ip: AWAY })),
    );
    const events = await log.events(session.id);
    t.same(
      events.filter((e) => e.type === 'ip_changed').map((e) => e.data),
      [{ from: null, to: AWAY }],
      `trial ${trial}: one ip_changed`,
    );
    t.equal(count(await log.outbox(session.id), 'session.location_changed'), 1, 'one location_changed in the outbox');
  }
});
