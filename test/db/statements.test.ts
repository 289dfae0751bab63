import { sql } from 'kysely';
import t from 'tap';
import { createDatabase } from '../../src/db/database.js';
import { builtStatement, namedStatement } from '../../src/db/statements.js';
import { createTestDatabase } from '../helper.js';

t.test('a name declared twice is refused when the second declaration is made', async (t) => {
  namedStatement('sr_test_once', 'select 1');
  t.throws(() => namedStatement('sr_test_once', 'select 2'), /declared twice/);
  t.throws(() => builtStatement('sr_test_once', () => sql`select 3`), /declared twice/);
});

t.test('a built statement whose text changes from one call to the next is refused before it runs', async (t) => {
  const statement = builtStatement(
    'sr_test_built',
    (ids: string[], flagged: boolean) => sql`select ${ids}::text[] as ids ${flagged ? sql`, true as flagged` : sql``}`,
  );
  const bound = statement.bind(['a', 'b'], false);
  t.same(bound.values, [['a', 'b']], 'arrays are one parameter');
  t.same(statement.bind(['c'], false).text, bound.text, 'other values, the same text');
  t.throws(() => statement.bind(['c'], true), /built with a different text/);
});

t.test('named statements run as prepared statements, alone and in a transaction', async (t) => {
  const database = await createTestDatabase();
  const handle = createDatabase({ connectionString: database.url, poolSize: 1 });
  t.teardown(async () => {
    await handle.close();
    await database.drop();
  });
  const add = namedStatement<{ sum: number }, [a: number, b: number]>('sr_test_add', 'select ($1::int + $2::int) as sum');
  t.same(await handle.run(add.bind(2, 3)), [{ sum: 5 }]);
  t.same(await handle.run(add.bind(4, 5)), [{ sum: 9 }], 'the prepared statement is used again');
  const prepared = await handle.pool.query("select count(*)::int as n from pg_prepared_statements where name = 'sr_test_add'");
  t.equal(prepared.rows[0].n, 1, 'prepared once on the connection');

  await handle.pool.query('create table t_items (n int)');
  const insert = namedStatement<never, [n: number]>('sr_test_insert', 'insert into t_items (n) values ($1)');
  await handle.transaction(async (tx) => {
    await tx.run(insert.bind(1));
    await tx.run(insert.bind(2));
  });
  await t.rejects(
    handle.transaction(async (tx) => {
      await tx.run(insert.bind(3));
      throw new Error('changed my mind');
    }),
    /changed my mind/,
  );
  const { rows } = await handle.pool.query('select n from t_items order by n');
  t.same(
    rows.map((r) => r.n),
    [1, 2],
    'the committed transaction kept, the failed one rolled back',
  );
  t.same(await handle.run(add.bind(1, 1)), [{ sum: 2 }], 'the connection is usable after a rollback');
});

t.test('timestamps and counters are read by the pool’s own parsers, not process-wide ones', async (t) => {
  const database = await createTestDatabase();
  const handle = createDatabase({ connectionString: database.url, poolSize: 1 });
  t.teardown(async () => {
    await handle.close();
    await database.drop();
  });
  const { rows } = await handle.pool.query("select timestamptz '2026-12-07 10:11:12.345+00' as at, 9007199254740993::bigint as big");
  t.ok(rows[0].at instanceof Date);
  t.equal(rows[0].at.toISOString(), '2026-12-07T10:11:12.345Z');
  t.equal(rows[0].big, '9007199254740993', 'bigint stays a string');
  const pg = (await import('pg')).default;
  t.not(pg.types.getTypeParser(1184), handle.pool.options.types?.getTypeParser(1184), 'the global parser is left as pg has it');
});
