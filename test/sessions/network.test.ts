import t from 'tap';
import pg from 'pg';
import { buildTestApp, call, login, serviceToken } from '../helper.js';

// The network an address belongs to, from the bundled ASN lists (build of 2026-06-17).
const GOOGLE = { asn: 15169, organization: 'Google LLC' };
const CLOUDFLARE = { asn: 13335, organization: 'Cloudflare, Inc.' };

t.test('network on the session: written at login and when a heartbeat brings a new address', async (t) => {
  const { app, db } = await buildTestApp(t);
  const token = serviceToken(app);
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  t.teardown(() => client.end());
  const stored = async (id: string) => (await client.query('select network from sessions where id = $1', [id])).rows[0].network;

  const { session } = await login(app, { ip: '8.8.8.8' });
  t.same(session.network, GOOGLE, 'on the created resource');
  t.equal(session.location.asOrganization, 'Google LLC', 'location.asOrganization from the same lookup');
  t.same(await stored(session.id), GOOGLE, 'in the row');

  const beat = await call(app, token, {
    method: 'POST',
    url: `/v1/sessions/${session.id}/heartbeat`,
    payload: { ip: '2606:4700:4700::1111' },
  });
  t.equal(beat.statusCode, 200);
  const view = await call(app, token, { method: 'GET', url: `/v1/sessions/${session.id}` });
  t.same(view.json().network, CLOUDFLARE, 'a new IPv6 address brings its network');
  t.same(await stored(session.id), CLOUDFLARE);

  const list = await call(app, token, { method: 'GET', url: '/v1/users/alice/sessions' });
  t.same(list.json().items[0].network, CLOUDFLARE, 'on list pages too');

  await call(app, token, { method: 'POST', url: `/v1/sessions/${session.id}/heartbeat`, payload: { ip: '10.1.2.3' } });
  const moved = await call(app, token, { method: 'GET', url: `/v1/sessions/${session.id}` });
  t.equal(moved.json().network, null, 'a private address has no network');
  t.equal(await stored(session.id), null);
});

t.test('network is null without an address, and for sessions stored before it existed', async (t) => {
  const { app, db } = await buildTestApp(t);
  const none = await login(app, { ip: undefined });
  t.equal(none.session.network, null);
  const located = await login(app, { ip: '1.1.1.1' });
  t.equal(located.session.location, null, 'no City record for 1.1.1.1');
  t.same(located.session.network, CLOUDFLARE, 'but its network is known');

  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  t.teardown(() => client.end());
  await client.query('update sessions set network = null where id = $1', [located.session.id]);
  const view = await call(app, serviceToken(app), { method: 'GET', url: `/v1/sessions/${located.session.id}` });
  t.equal(view.statusCode, 200);
  t.equal(view.json().network, null);
});
