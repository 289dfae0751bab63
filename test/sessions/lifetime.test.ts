import t from 'tap';
import { sql } from 'kysely';
import { createDatabase } from '../../src/db/database.js';
import { expiresAtMs, expiry, expiryReason, type Lifetime } from '../../src/sessions/lifetime.js';
import { createTestDatabase } from '../helper.js';

// The expiry rule lives in TypeScript (the hot path) and in SQL (the sweeper and list settling):
// both must give the same answer for every lifetime, at every instant, boundaries included.

const T0 = Date.parse('2026-06-01T12:00:00.000Z');
const cases: Array<{ name: string; lifetime: Lifetime; at: number[] }> = [];
for (const [name, lastActive, idleS, absoluteOffsetS] of [
  ['idle ends first', 0, 60, 3600],
  ['absolute ends first', 0, 3600, 60],
  ['both end together', 0, 60, 60],
  ['activity pushed the idle end past the absolute one', 50, 60, 100],
  ['activity one millisecond later', 0.001, 60, 60],
] as const) {
  const lifetime = { lastActiveAt: T0 + lastActive * 1000, idleMs: idleS * 1000, absoluteExpiresAt: T0 + absoluteOffsetS * 1000 };
  const end = expiresAtMs(lifetime);
  cases.push({ name, lifetime, at: [T0, end - 1, end, end + 1, end + 86_400_000] });
}

t.test('TypeScript and SQL agree on expiry, its moment and its reason', async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const handle = createDatabase({ connectionString: db.url, poolSize: 1 });
  t.teardown(() => handle.close());
  for (const { name, lifetime, at } of cases) {
    for (const now of at) {
      const { rows } = await sql<{ at: Date; expired: boolean; reason: string }>`
        select ${expiry.at} as at, ${expiry.isExpired(new Date(now))} as expired, ${expiry.reason} as reason
        from (values (${new Date(lifetime.lastActiveAt)}::timestamptz, ${lifetime.idleMs / 1000}::int, ${new Date(lifetime.absoluteExpiresAt)}::timestamptz))
          as sessions(last_active_at, idle_timeout_seconds, absolute_expires_at)`.execute(handle.db);
      const [inSql] = rows;
      const reason = expiryReason(lifetime, now);
      const label = `${name}, at ${now - T0} ms`;
      t.equal(inSql.at.getTime(), expiresAtMs(lifetime), `${label}: same moment`);
      t.equal(inSql.expired, reason !== null, `${label}: same verdict`);
      if (reason !== null) t.equal(inSql.reason, reason, `${label}: same reason`);
    }
  }
});
