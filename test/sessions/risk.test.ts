import t from 'tap';
import { buildTestApp, call, fixedClock, login, serviceToken } from '../helper.js';

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

t.test('signals at login: none on the first, explained flags after', async (t) => {
  const clock = fixedClock();
  const { app } = await buildTestApp(t, { clock });
  const first = await login(app, { userId: 'kim', ip: '81.2.69.142' });
  t.same(first.session.risk, { flags: [], reasons: [] }, 'a first login is never new_country or new_device');
  clock.advance(10 * 60 * 1000);
  const second = await login(app, { userId: 'kim', ip: '8.8.8.8', userAgent: IPHONE });
  t.same(second.session.risk.flags, ['new_country', 'new_device', 'concurrent_countries', 'impossible_travel']);
  for (const reason of second.session.risk.reasons) t.match(reason.message, /\w+ .*\./, `${reason.flag} is explained in a sentence`);
  t.match(second.session.risk.reasons[0].message, /United States/);
  const bot = await login(app, {
    userId: 'kim',
    ip: '81.2.69.142',
    userAgent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  });
  t.ok(bot.session.risk.flags.includes('bot'));
  t.equal(bot.session.device.type, 'bot');
});

t.test('flagged=true lists only flagged sessions, for services and for the user', async (t) => {
  const clock = fixedClock();
  const { app } = await buildTestApp(t, { clock });
  const calm = await login(app, { userId: 'lee', ip: '81.2.69.142' });
  clock.advance(3 * 86400 * 1000);
  const odd = await login(app, { userId: 'lee', ip: '8.8.8.8', userAgent: IPHONE });
  const service = (await call(app, serviceToken(app), { method: 'GET', url: '/v1/users/lee/sessions?flagged=true' })).json();
  t.same(
    service.items.map((s: { id: string }) => s.id),
    [odd.session.id],
  );
  const mine = (await call(app, calm.token, { method: 'GET', url: '/v1/me/sessions?flagged=true' })).json();
  t.same(
    mine.items.map((s: { id: string }) => s.id),
    [odd.session.id],
  );
  const all = (await call(app, calm.token, { method: 'GET', url: '/v1/me/sessions' })).json();
  t.equal(all.items.length, 2);
});

t.test('a heartbeat from another country re-assesses and records the flags raised', async (t) => {
  const clock = fixedClock();
  const { app } = await buildTestApp(t, { clock });
  const token = serviceToken(app);
  await login(app, { userId: 'max', ip: '81.2.69.142' });
  clock.advance(86400 * 1000);
  const roaming = await login(app, { userId: 'max', ip: '81.2.69.142' });
  t.same(roaming.session.risk.flags, []);
  clock.advance(60 * 1000);
  const moved = await call(app, token, { method: 'POST', url: `/v1/sessions/${roaming.session.id}/heartbeat`, payload: { ip: '8.8.8.8' } });
  t.equal(moved.statusCode, 200);
  const view = (await call(app, token, { method: 'GET', url: `/v1/sessions/${roaming.session.id}` })).json();
  t.ok(view.risk.flags.includes('new_country'));
  t.ok(view.risk.flags.includes('impossible_travel'), 'GB to US in a minute');
  const events = (await call(app, token, { method: 'GET', url: `/v1/sessions/${roaming.session.id}/events?limit=2` })).json();
  t.equal(events.items[0].type, 'flagged');
  t.ok(events.items[0].data.flags.includes('new_country'));
  t.ok(events.nextCursor, 'events page on');
  const rest = (
    await call(app, token, { method: 'GET', url: `/v1/sessions/${roaming.session.id}/events?limit=2&cursor=${events.nextCursor}` })
  ).json();
  t.same(
    rest.items.map((e: { type: string }) => e.type),
    ['ip_changed', 'login'],
  );
  t.equal(rest.nextCursor, null);
  const bad = await call(app, token, { method: 'GET', url: `/v1/sessions/${roaming.session.id}/events?cursor=abc` });
  t.equal(bad.statusCode, 400);
});

t.test('client hints and app clients shape the device', async (t) => {
  const { app } = await buildTestApp(t);
  const windows = await login(app, {
    userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
    clientHints: {
      'sec-ch-ua-platform': '"Windows"',
      'sec-ch-ua-platform-version': '"15.0.0"',
      'sec-ch-ua-full-version-list': '"Chromium";v="126.0.6478.127", "Google Chrome";v="126.0.6478.127", "Not-A.Brand";v="99.0.0.0"',
    },
  });
  t.same(windows.session.os, { name: 'Windows', version: '11' });
  t.equal(windows.session.browser.version, '126.0.6478.127');
  const app2 = await login(app, { userAgent: 'okhttp/4.12.0', client: { kind: 'app', name: 'PixelUnion', version: '2.3.1' } });
  t.same(app2.session.client, { kind: 'app', name: 'PixelUnion', version: '2.3.1' }, 'what the backend says wins');
  const curl = await login(app, { userAgent: 'curl/8.5.0' });
  t.equal(curl.session.client.kind, 'api');
  t.equal(curl.session.device.type, 'unknown');
  const nul = await login(app, { userAgent: 'Mozilla/5.0\u0000(evil)', clientHints: { 'sec-ch-ua-model': '"Pixel\u00008"' } });
  t.notMatch(nul.session.userAgent, /\u0000/, 'control characters are not stored');
});
