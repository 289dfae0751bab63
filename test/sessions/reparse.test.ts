import t from 'tap';
import { createUserAgentParser, PARSER_VERSION } from '../../src/enrich/user-agent/index.js';
import { reparseStoredSessions } from '../../src/sessions/reparse.js';
import { buildTestApp, login, serviceToken } from '../helper.js';

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

t.test('a User-Agent change made while a batch is re-derived is kept, not overwritten with fields of the old one', async (t) => {
  const { app, handle, rows: repository } = await buildTestApp(t);
  const WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
  const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
  const changing = (await login(app, { userId: 'rhea', userAgent: WINDOWS })).session.id;
  const unchanged = (await login(app, { userId: 'rhea', userAgent: WINDOWS, clientHints: { 'sec-ch-ua-platform': '"Windows"' } })).session
    .id;
  await handle.pool.query(`update sessions set parser_version = 'old', device_key = 'stale' where user_id = 'rhea'`);
  const racing = {
    ...repository,
    // The batch is read; then, before it is written, a heartbeat reports another browser.
    async listStaleAgents(...args: Parameters<typeof repository.listStaleAgents>) {
      const rows = await repository.listStaleAgents(...args);
      if (rows.length > 0) {
        const answer = await app.inject({
          method: 'POST',
          url: `/v1/sessions/${changing}/heartbeat`,
          headers: { authorization: `Bearer ${serviceToken(app)}` },
          payload: { userAgent: FIREFOX_LINUX },
        });
        t.equal(answer.statusCode, 200, 'the heartbeat with the new User-Agent is answered');
      }
      return rows;
    },
  };
  t.equal(await reparseStoredSessions(racing, createUserAgentParser()), 1, 'only the row that did not change is written');
  const { rows } = await handle.pool.query('select id, user_agent, agent, device_key, parser_version from sessions where user_id = $1', [
    'rhea',
  ]);
  const changed = rows.find((r) => r.id === changing);
  t.equal(changed.user_agent, FIREFOX_LINUX);
  t.match(changed.agent, { browser: { name: 'Firefox' }, os: { name: 'Linux' } }, "the device fields are the new User-Agent's");
  t.equal(changed.parser_version, PARSER_VERSION);
  t.not(changed.device_key, 'stale');
  const other = rows.find((r) => r.id === unchanged);
  t.equal(other.parser_version, PARSER_VERSION, 'the row with client hints (stored as JSON) is re-derived');
  t.not(other.device_key, 'stale');
});
