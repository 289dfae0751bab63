import t from 'tap';
import { createUserAgentParser, PARSER_VERSION } from '../../src/enrich/user-agent/index.js';
import { reparseStoredSessions } from '../../src/sessions/reparse.js';
import { buildTestApp, login } from '../helper.js';

t.test('reparse re-derives device fields of sessions parsed by another version, and resumes', async (t) => {
  const { app, handle, rows: repository } = await buildTestApp(t);
  const ids: string[] = [];
  for (let i = 0; i < 7; i++)
    ids.push(
      (
        await login(app, {
          userId: 'rex',
          clientHints: { 'sec-ch-ua-platform': '"Windows"', 'sec-ch-ua-platform-version': '"15.0.0"' },
          userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
        })
      ).session.id,
    );
  const current = await login(app, { userId: 'rex' });
  // As if written by an older parser that got things wrong.
  await handle.pool.query(
    `update sessions set parser_version = 'old', agent = jsonb_set(agent, '{os}', '{"name":"Windows","version":"10"}'), device_key = 'stale' where id = any($1)`,
    [ids],
  );
  await handle.pool.query('update sessions set page_views = 42 where id = $1', [ids[0]]);
  const batches: number[] = [];
  const done = await reparseStoredSessions(repository, createUserAgentParser(), { batchSize: 3, onBatch: (n) => batches.push(n) });
  t.equal(done, 7, 'only the stale rows');
  t.same(batches, [3, 6, 7]);
  const { rows } = await handle.pool.query('select id, parser_version, agent, device_key, page_views from sessions where user_id = $1', [
    'rex',
  ]);
  for (const row of rows) {
    t.equal(row.parser_version, PARSER_VERSION);
    if (row.id === current.session.id) continue;
    t.same(row.agent.os, { name: 'Windows', version: '11' }, 'the hints are applied again');
    t.not(row.device_key, 'stale');
  }
  t.equal(rows.find((r) => r.id === ids[0]).page_views, '42', 'activity untouched');
  t.equal(await reparseStoredSessions(repository, createUserAgentParser()), 0, 'a second run has nothing to do');
});
