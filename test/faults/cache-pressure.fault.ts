import pg from 'pg';
import { call, createTestDatabase, serviceToken } from '../helper.js';
import { buildConfiguredApp } from './support/app.js';
import { family, iterations, SEED } from './support/family.js';

// The state cache holds fewer sessions than are in use (STATE_CACHE_MAX_MB=1: about 3,500), on
// two instances at once: states are evicted and read again all the time, misses are read in
// batches, and revocations land on one instance or the other. However the cache churns, a
// session answers "active" again after its revocation returned: never on the instance that
// revoked it, and never on the other once the notice had time to arrive.

const SESSIONS = 6000;
const AGENT = {
  device: { type: 'desktop', vendor: null, model: null },
  os: { name: 'Linux', version: null },
  browser: { name: 'Firefox', version: '128.0' },
  client: { kind: 'browser', name: 'Firefox', version: '128.0' },
  label: 'Firefox 128 on Linux',
};

function random(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

family(
  'state cache smaller than the sessions in use',
  { kind: 'fault', unit: 'heartbeats after a revocation', timeout: 600000 },
  async (t, tally) => {
    const db = await createTestDatabase();
    t.teardown(() => db.drop());
    const env = { STATE_CACHE_MAX_MB: '1' };
    const a = await buildConfiguredApp(t, env, { db });
    const b = await buildConfiguredApp(t, env, { db });
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    t.teardown(() => admin.end());
    const { rows } = await admin.query<{ id: string }>(
      `insert into sessions (id, user_id, token_hash, created_at, last_active_at, idle_timeout_seconds, max_age_seconds,
                           absolute_expires_at, expiry_check_at, agent, device_key, risk)
     select gen_random_uuid(), 'pressure-' || (g % 500), '\\x00', now(), now(), 86400, 864000, now() + interval '10 days',
            now() + interval '1 day', $2::jsonb, 'device', '{"flags":[],"reasons":[]}'
     from generate_series(1, $1::int) g returning id`,
      [SESSIONS, JSON.stringify(AGENT)],
    );
    const ids = rows.map((r) => r.id);
    const next = random(SEED);
    const pick = () => ids[Math.floor(next() * ids.length)];
    const heartbeat = (app: typeof a.app, id: string) =>
      call(app, serviceToken(app), { method: 'POST', url: `/v1/sessions/${id}/heartbeat`, payload: { pageViews: 1 } });
    // Warm both caches past their bound, with concurrent misses so reads are batched.
    for (let i = 0; i < ids.length; i += 200) {
      await Promise.all(ids.slice(i, i + 200).map((id) => heartbeat(i % 400 === 0 ? a.app : b.app, id)));
    }
    tally.check(
      a.cache.size < SESSIONS && b.cache.size < SESSIONS,
      `the caches hold fewer than ${SESSIONS} sessions (${a.cache.size}, ${b.cache.size})`,
    );

    const revoked: Array<{ id: string; at: number }> = [];
    const rounds = iterations(300, 3000);
    for (let round = 0; round < rounds; round++) {
      const [revoker, other] = next() < 0.5 ? [a, b] : [b, a];
      const victim = pick();
      // Traffic on both instances around the revocation, some of it on the victim.
      const noise = Promise.all([heartbeat(a.app, pick()), heartbeat(b.app, victim), heartbeat(other.app, pick())]);
      const ended = await call(revoker.app, serviceToken(revoker.app), { method: 'DELETE', url: `/v1/sessions/${victim}` });
      await noise;
      if (ended.statusCode !== 200) {
        tally.check(false, `revocation answered ${ended.statusCode}`);
        continue;
      }
      revoked.push({ id: victim, at: Date.now() });
      const same = await heartbeat(revoker.app, victim);
      tally.check(same.statusCode === 410, `round ${round}: the revoking instance refuses the session at once (${same.statusCode})`);
    }
    // The other instance, once notices have had time to arrive (they take milliseconds).
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const { id } of revoked.slice(-200)) {
      for (const instance of [a, b]) {
        const answer = await heartbeat(instance.app, id);
        tally.check(answer.statusCode === 410, `a revoked session stays refused on both instances (${answer.statusCode})`);
      }
    }
    tally.note(`${SESSIONS} sessions, caches of ${a.cache.size}/${b.cache.size}, ${revoked.length} revocations (seed ${SEED})`);
  },
);
