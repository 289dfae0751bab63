import pg from 'pg';
import { call, login, serviceToken } from '../helper.js';
import { buildConfiguredApp } from './support/app.js';
import { family } from './support/family.js';
import { SQL_INJECTIONS } from './support/hostile.js';

// SQL in every string the API takes: user ids (in bodies and paths), labels, login methods,
// device ids, metadata keys and values, user agents, client hints and names, heartbeat paths,
// cursors, reasons, tokens, session ids. Each is stored exactly as sent or refused with a 4xx,
// never executed: afterwards the tables are intact, the row counts are what the calls made, and
// the stored values equal the input. (A pg_sleep that ran would also show in the timings.)

const SLOW_MS = 2000;

family('SQL injection in every string input', { kind: 'attack', unit: 'payload × input checks', timeout: 600000 }, async (t, tally) => {
  const { app, db, sessions } = await buildConfiguredApp(t);
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  t.teardown(() => admin.end());
  const token = serviceToken(app);
  const tables = async () =>
    (
      await admin.query<{ name: string }>(
        "select table_name as name from information_schema.tables where table_schema = 'public' order by 1",
      )
    ).rows.map((r) => r.name);
  const before = await tables();
  const bystander = await login(app, { userId: 'bystander' });
  let created = 1;
  let ended = 0;
  let slowest = 0;
  const timed = async <T>(work: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    const result = await work();
    slowest = Math.max(slowest, Date.now() - started);
    return result;
  };

  for (const payload of SQL_INJECTIONS) {
    await tally.trial(payload, async () => {
      const short = payload.slice(0, 32);
      const body = {
        userId: payload,
        label: payload,
        loginMethod: payload.slice(0, 64),
        deviceId: payload,
        userAgent: payload,
        clientHints: { 'sec-ch-ua': payload, 'sec-ch-ua-platform': payload },
        client: { kind: 'app', name: payload.slice(0, 64), version: short },
        metadata: { [payload.slice(0, 64)]: payload, nested: { value: payload } },
      };
      const create = await timed(() => call(app, token, { method: 'POST', url: '/v1/sessions', payload: body }));
      t.equal(create.statusCode, 201, `${payload}: a login with it everywhere is stored`);
      if (create.statusCode !== 201) return;
      created++;
      const { session, token: sessionToken } = create.json();
      const row = (
        await admin.query(
          'select user_id, label, login_method, device_id, user_agent, metadata, client_hints, client_input from sessions where id = $1',
          [session.id],
        )
      ).rows[0];
      t.equal(row.user_id, payload, 'user_id stored verbatim');
      t.equal(row.label, payload, 'label stored verbatim');
      t.equal(row.login_method, payload.slice(0, 64), 'login_method stored verbatim');
      t.equal(row.device_id, payload, 'device_id stored verbatim');
      t.equal(row.user_agent, payload.trim(), 'user_agent stored verbatim (trimmed)');
      t.same(row.metadata, body.metadata, 'metadata keys and values stored verbatim');
      t.equal(row.client_hints['sec-ch-ua'], payload.trim(), 'client hint stored verbatim (trimmed)');
      t.equal(row.client_input.version, short.trim(), 'client version stored verbatim (trimmed)');

      // The user id in a path finds exactly that user's session: no wildcard, no quoting escape.
      const listed = await timed(() =>
        call(app, token, { method: 'GET', url: `/v1/users/${encodeURIComponent(payload)}/sessions?status=all` }),
      );
      t.equal(listed.statusCode, 200);
      t.same(
        listed.json().items.map((s: { id: string }) => s.id),
        [session.id],
        `${payload}: listing that user id finds only its own session`,
      );

      const beat = await timed(() =>
        call(app, token, {
          method: 'POST',
          url: `/v1/sessions/${session.id}/heartbeat`,
          payload: { userAgent: payload, path: payload, pageViews: 1 },
        }),
      );
      t.equal(beat.statusCode, 200, 'heartbeat with it in userAgent and path');
      const ip = await timed(() =>
        call(app, token, { method: 'POST', url: `/v1/sessions/${session.id}/heartbeat`, payload: { ip: payload } }),
      );
      t.equal(ip.statusCode, 400, 'as an address it is refused');
      // A user's own heartbeat takes the device from its User-Agent header (when the payload can be one) and the page from the body.
      const asHeader = /^[\x20-\x7e]+$/.test(payload.trim());
      const meBeat = await timed(() =>
        app.inject({
          method: 'POST',
          url: '/v1/me/heartbeat',
          headers: { authorization: `Bearer ${sessionToken}`, ...(asHeader ? { 'user-agent': payload.trim() } : {}) },
          payload: { path: payload, pageViews: 1 },
        }),
      );
      t.equal(meBeat.statusCode, 200, 'own heartbeat with it');

      // Everywhere else it is refused or harmless.
      const refusals: Array<[string, Promise<{ statusCode: number }>, number[]]> = [
        ['cursor', call(app, token, { method: 'GET', url: `/v1/users/alice/sessions?cursor=${encodeURIComponent(payload)}` }), [400]],
        ['own cursor', call(app, sessionToken, { method: 'GET', url: `/v1/me/sessions?cursor=${encodeURIComponent(payload)}` }), [400]],
        [
          'events cursor',
          call(app, token, { method: 'GET', url: `/v1/sessions/${session.id}/events?cursor=${encodeURIComponent(payload)}` }),
          [400],
        ],
        [
          'reason',
          call(app, token, { method: 'DELETE', url: `/v1/sessions/${bystander.session.id}?reason=${encodeURIComponent(payload)}` }),
          [400],
        ],
        [
          'revoke reason',
          call(app, token, { method: 'POST', url: `/v1/users/bystander/sessions/revoke`, payload: { reason: payload } }),
          [400],
        ],
        [
          'revoke except id',
          call(app, token, { method: 'POST', url: `/v1/users/bystander/sessions/revoke`, payload: { exceptSessionId: payload } }),
          [400],
        ],
        ['session id in a path', call(app, token, { method: 'GET', url: `/v1/sessions/${encodeURIComponent(payload)}` }), [400, 404]],
        [
          'own session id in a path',
          call(app, sessionToken, { method: 'DELETE', url: `/v1/me/sessions/${encodeURIComponent(payload)}` }),
          [400, 404],
        ],
        ['token to introspect', call(app, token, { method: 'POST', url: '/v1/sessions/introspect', payload: { token: payload } }), [200]],
        ['as a session token', call(app, payload.replace(/[^\x21-\x7e]/g, '_'), { method: 'GET', url: '/v1/me/sessions' }), [401]],
      ];
      for (const [what, pending, allowed] of refusals) {
        const response = await timed(() => pending);
        t.ok(allowed.includes(response.statusCode), `${payload} as ${what}: ${response.statusCode}`);
      }
      const introspected = await call(app, token, { method: 'POST', url: '/v1/sessions/introspect', payload: { token: payload } });
      t.same(introspected.json(), { active: false }, 'introspecting it says inactive');

      // Ending it through its own id works and affects only it.
      const end = await call(app, token, { method: 'DELETE', url: `/v1/sessions/${session.id}` });
      t.equal(end.statusCode, 200);
      ended++;
    });
  }

  await sessions.flushActivity();
  const after = await tables();
  tally.check(JSON.stringify(after) === JSON.stringify(before), 'every table is still there, and no new one', { before, after });
  const counts = (
    await admin.query('select count(*)::int as sessions, count(*) filter (where ended_at is not null)::int as ended from sessions')
  ).rows[0];
  tally.check(counts.sessions === created, `sessions: ${counts.sessions} rows, ${created} logins made`, counts);
  tally.check(counts.ended === ended, `ended: ${counts.ended}, ${ended} ended through the API`, counts);
  const events = (
    await admin.query<{ type: string; n: number }>('select type, count(*)::int as n from session_events group by type order by type')
  ).rows;
  const logins = events.find((e) => e.type === 'login')?.n ?? 0;
  tally.check(logins === created, `login events: ${logins}`, { events });
  const still = await call(app, token, { method: 'GET', url: `/v1/sessions/${bystander.session.id}` });
  tally.check(still.json().status === 'active', 'the bystander session was never touched');
  tally.check(slowest < SLOW_MS, `no call took long enough for a pg_sleep to have run (slowest ${slowest} ms)`);
  tally.note(`${SQL_INJECTIONS.length} payloads, slowest call ${slowest} ms`);
});
