import t from 'tap';
import { buildTestApp, call, login, CHROME_MAC } from '../helper.js';

// Security review: a session-token holder chose the address and device their session records. On /v1/me
// they now come from the request (TRUST_PROXY) and its headers; the body cannot set them.

const PLAYSTATION = 'Mozilla/5.0 (PlayStation 5 3.11) AppleWebKit/605.1.15 (KHTML, like Gecko)';
const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0';

t.test('body fields that would override the address or the device are refused', async (t) => {
  const { app, rows, eventLog, sessions } = await buildTestApp(t);
  const { session, token } = await login(app);
  // From where the session signed in, with the same browser.
  const asTheUser = { remoteAddress: '81.2.69.142', headers: { authorization: `Bearer ${token}`, 'user-agent': CHROME_MAC } };
  for (const body of [{ ip: '175.16.199.1' }, { userAgent: 'Totally/1.0 (PlayStation 5)' }, { pageViews: 10000 }, { pageViews: 11 }]) {
    const response = await app.inject({ method: 'POST', url: '/v1/me/heartbeat', payload: body, ...asTheUser });
    t.equal(response.statusCode, 400, JSON.stringify(body));
    t.equal(response.json().code, 'validation_failed');
  }
  t.equal(
    (await app.inject({ method: 'POST', url: '/v1/me/heartbeat', payload: { pageViews: 10 }, ...asTheUser })).statusCode,
    200,
    '10 page views are accepted',
  );
  await sessions.flushActivity();
  const row = await rows.findById(session.id);
  t.equal(row?.ip, '81.2.69.142', 'the address is unchanged');
  t.equal(Number(row?.page_views), 10);
  const events = await eventLog.list(session.id, 10, null);
  t.same(
    events.map((e) => e.type),
    ['login'],
    'no event from the refused calls',
  );
});

t.test("the address is the request's, through TRUST_PROXY only", async (t) => {
  const { app, rows, sessions } = await buildTestApp(t, { env: { TRUST_PROXY: '127.0.0.1' } });
  const { session, token } = await login(app);
  const headers = { 'user-agent': CHROME_MAC };
  const forwarded = await call(app, token, {
    method: 'POST',
    url: '/v1/me/heartbeat',
    headers: { ...headers, 'x-forwarded-for': '8.8.8.8' },
  });
  t.equal(forwarded.statusCode, 200);
  await sessions.flushActivity();
  t.equal((await rows.findById(session.id))?.ip, '8.8.8.8', 'a trusted proxy says where the user is');
  const spoofed = await app.inject({
    method: 'POST',
    url: '/v1/me/heartbeat',
    remoteAddress: '203.0.113.5',
    headers: { ...headers, authorization: `Bearer ${token}`, 'x-forwarded-for': '175.16.199.1' },
  });
  t.equal(spoofed.statusCode, 200);
  t.equal((await rows.findById(session.id))?.ip, '203.0.113.5', 'an untrusted hop cannot name another address');
});

t.test("the device is the request's User-Agent and Client Hints", async (t) => {
  const { app, rows, eventLog } = await buildTestApp(t);
  const { session, token } = await login(app);
  const fromHome = (headers: Record<string, string>) =>
    app.inject({
      method: 'POST',
      url: '/v1/me/heartbeat',
      remoteAddress: '81.2.69.142',
      headers: { authorization: `Bearer ${token}`, ...headers },
    });
  const response = await fromHome({ 'user-agent': FIREFOX_WINDOWS });
  t.equal(response.statusCode, 200);
  const row = await rows.findById(session.id);
  t.equal(row?.user_agent, FIREFOX_WINDOWS);
  t.match(row?.agent.label, /Firefox 128 on Windows/);
  const hinted = await fromHome({
    'user-agent': CHROME_MAC,
    'sec-ch-ua': '"Chromium";v="126", "Google Chrome";v="126"',
    'sec-ch-ua-platform': '"macOS"',
    'sec-ch-ua-platform-version': '"14.5.0"',
  });
  t.equal(hinted.statusCode, 200);
  const after = await rows.findById(session.id);
  t.match(after?.agent.label, /Chrome 126 on macOS/);
  t.same(after?.client_hints?.['sec-ch-ua-platform'], '"macOS"', 'the hints are kept with the device');
  t.same(
    (await eventLog.list(session.id, 10, null)).map((e) => e.type),
    ['user_agent_changed', 'user_agent_changed', 'login'],
  );
  t.notMatch(JSON.stringify(after?.agent), new RegExp(PLAYSTATION), 'nothing the body said');
});

t.test('services keep the body fields: backends are trusted', async (t) => {
  const { app, rows } = await buildTestApp(t);
  const { session } = await login(app);
  const { serviceToken } = await import('../helper.js');
  const response = await call(app, serviceToken(app), {
    method: 'POST',
    url: `/v1/sessions/${session.id}/heartbeat`,
    payload: { ip: '8.8.8.8', pageViews: 500 },
  });
  t.equal(response.statusCode, 200);
  t.equal((await rows.findById(session.id))?.ip, '8.8.8.8');
});
