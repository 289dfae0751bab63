import t from 'tap';
import pg from 'pg';
import { parseUtcTimestamp } from '../../src/db/timestamps.js';
import { createTestDatabase } from '../helper.js';

t.test('UTC timestamps are read to the millisecond, and any other shape as pg reads it', async (t) => {
  const cases: Array<[string, string]> = [
    ['2026-12-02 08:01:21.876681+00', '2026-12-02T08:01:21.876Z'],
    ['2026-12-02 08:01:21.8+00', '2026-12-02T08:01:21.800Z'],
    ['2026-12-02 08:01:21+00', '2026-12-02T08:01:21.000Z'],
    ['2026-02-28 23:59:59.999999+00', '2026-02-28T23:59:59.999Z'],
    ['2026-12-02 09:01:21.5+01', '2026-12-02T08:01:21.500Z'],
    ['2026-12-02 03:31:21+05:30', '2026-12-01T22:01:21.000Z'],
  ];
  for (const [text, iso] of cases) t.equal(parseUtcTimestamp(text).toISOString(), iso, text);
});

t.test('the same instants as PostgreSQL computes them, whatever the session time zone', async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  for (const zone of ['UTC', 'Europe/Stockholm', 'America/New_York']) {
    const client = new pg.Client({ connectionString: db.url, options: `-c TimeZone=${zone}` });
    await client.connect();
    const { rows } = await client.query<{ at: Date; ms: string }>(
      "select x as at, floor(extract(epoch from x) * 1000)::bigint::text as ms from (values (timestamptz '2026-07-01 12:34:56.789123+00'), (timestamptz '2026-01-15 00:00:00+00')) v(x)",
    );
    for (const row of rows) t.equal(row.at.getTime(), Number(row.ms), `${zone}: ${row.at.toISOString()}`);
    await client.end();
  }
});
