import t from 'tap';
import { buildTestApp, call, login, serviceToken } from '../helper.js';

t.test('a user names their devices: trimmed, shown beside the label, null clears it', async (t) => {
  const { app, rows } = await buildTestApp(t);
  const laptop = await login(app, { userId: 'nia' });
  const phone = await login(app, { userId: 'nia' });
  t.equal(laptop.session.name, null, 'no name until given');
  const named = await call(app, phone.token, {
    method: 'PATCH',
    url: `/v1/me/sessions/${laptop.session.id}`,
    payload: { name: '  Work laptop \u{1F4BB} ' },
  });
  t.equal(named.statusCode, 200);
  t.same([named.json().name, named.json().label, named.json().current], ['Work laptop \u{1F4BB}', 'Chrome 126 on macOS', false]);
  t.equal((await rows.findById(laptop.session.id))?.name, 'Work laptop \u{1F4BB}', 'stored trimmed');
  const listed = await call(app, phone.token, { method: 'GET', url: '/v1/me/sessions' });
  t.equal(listed.json().items.find((s: { id: string }) => s.id === laptop.session.id).name, 'Work laptop \u{1F4BB}', 'on the list too');
  const own = await call(app, phone.token, {
    method: 'PATCH',
    url: `/v1/me/sessions/${phone.session.id}`,
    payload: { name: 'This phone' },
  });
  t.same([own.statusCode, own.json().current], [200, true], 'the current one too');
  const cleared = await call(app, phone.token, { method: 'PATCH', url: `/v1/me/sessions/${laptop.session.id}`, payload: { name: null } });
  t.equal(cleared.json().name, null);
  await call(app, serviceToken(app), { method: 'DELETE', url: `/v1/sessions/${laptop.session.id}` });
  const history = await call(app, phone.token, {
    method: 'PATCH',
    url: `/v1/me/sessions/${laptop.session.id}`,
    payload: { name: 'Old laptop' },
  });
  t.same([history.statusCode, history.json().status, history.json().name], [200, 'ended', 'Old laptop'], 'an ended session can be named');
});

t.test('names are at most 64 characters once trimmed, never blank, never control characters', async (t) => {
  const { app, rows } = await buildTestApp(t);
  const me = await login(app, { userId: 'nia' });
  const url = `/v1/me/sessions/${me.session.id}`;
  const patch = (payload: unknown) => call(app, me.token, { method: 'PATCH', url, payload: payload as Record<string, unknown> });
  t.equal((await patch({ name: '\u{1F600}'.repeat(64) })).statusCode, 200, '64 emoji are 64 characters');
  t.equal((await patch({ name: `   ${'x'.repeat(64)}   ` })).statusCode, 200, 'spaces around do not count');
  for (const [payload, why] of [
    [{ name: 'x'.repeat(65) }, 'too long'],
    [{ name: '   ' }, 'blank'],
    [{ name: '' }, 'empty'],
    [{ name: 'Work\nlaptop' }, 'a line break'],
    [{ name: 'a\u0000b' }, 'NUL'],
    [{ name: 'a\u0085b' }, 'a C1 control'],
    [{ name: ['x', 'y'] }, 'not text'],
    [{}, 'no name'],
    [{ name: 'x', metadata: {} }, 'metadata is for services'],
  ] as const) {
    const response = await patch(payload);
    t.same([response.statusCode, response.json().code], [400, 'validation_failed'], why);
  }
  t.equal((await rows.findById(me.session.id))?.name, 'x'.repeat(64), 'nothing refused was stored');
});

t.test('services name sessions and replace metadata with the checks of login', async (t) => {
  const { app, rows } = await buildTestApp(t);
  const token = serviceToken(app);
  const s = await login(app, { userId: 'ola', metadata: { tenant: 'acme' } });
  const url = `/v1/sessions/${s.session.id}`;
  const both = await call(app, token, { method: 'PATCH', url, payload: { name: 'Kiosk 4', metadata: { tenant: 'acme', floor: 2 } } });
  t.same([both.statusCode, both.json().name, both.json().metadata], [200, 'Kiosk 4', { tenant: 'acme', floor: 2 }]);
  const onlyMeta = await call(app, token, { method: 'PATCH', url, payload: { metadata: {} } });
  t.same([onlyMeta.json().name, onlyMeta.json().metadata], ['Kiosk 4', {}], 'what is not given stays');
  t.equal(
    (await call(app, token, { method: 'PATCH', url, payload: { metadata: { big: 'x'.repeat(5000) } } })).statusCode,
    400,
    'metadata over 4 KB',
  );
  t.equal(
    (await call(app, token, { method: 'PATCH', url, payload: { metadata: { nul: 'a\u0000b' } } })).statusCode,
    400,
    'NUL in metadata',
  );
  t.equal((await call(app, token, { method: 'PATCH', url, payload: {} })).statusCode, 400, 'nothing to change');
  t.equal((await call(app, serviceToken(app, 'sessions:read'), { method: 'PATCH', url, payload: { name: 'x' } })).statusCode, 403);
  t.equal(
    (await call(app, token, { method: 'PATCH', url: '/v1/sessions/0190a000-0000-7000-8000-000000000000', payload: { name: 'x' } }))
      .statusCode,
    404,
  );
  t.same((await rows.findById(s.session.id))?.metadata, {}, 'nothing refused was stored');
});

t.test("another user's session cannot be named: 404 as a missing one, and it is untouched", async (t) => {
  const { app, rows } = await buildTestApp(t);
  const mine = await login(app, { userId: 'dana' });
  const theirs = await login(app, { userId: 'eve' });
  const foreign = await call(app, mine.token, {
    method: 'PATCH',
    url: `/v1/me/sessions/${theirs.session.id}`,
    payload: { name: 'Mine now' },
  });
  const missing = await call(app, mine.token, {
    method: 'PATCH',
    url: '/v1/me/sessions/0190a000-0000-7000-8000-000000000000',
    payload: { name: 'Mine now' },
  });
  t.same([foreign.statusCode, { ...foreign.json(), requestId: 0 }], [404, { ...missing.json(), requestId: 0 }]);
  t.equal((await rows.findById(theirs.session.id))?.name, null);
});

t.test('names refuse format characters (bidi controls, zero-width characters) and names that show nothing, on both routes', async (t) => {
  const { app, rows } = await buildTestApp(t);
  const me = await login(app, { userId: 'nia' });
  const token = serviceToken(app);
  const routes = [
    (name: string) => call(app, me.token, { method: 'PATCH', url: `/v1/me/sessions/${me.session.id}`, payload: { name } }),
    (name: string) => call(app, token, { method: 'PATCH', url: `/v1/sessions/${me.session.id}`, payload: { name } }),
  ];
  for (const [i, rename] of routes.entries()) {
    const route = i === 0 ? '/v1/me' : 'service';
    t.equal((await rename('Work laptop')).statusCode, 200, `${route}: a plain name`);
    for (const [name, why] of [
      ['Laptop \u202Egpj.exe', 'a right-to-left override (U+202E)'],
      ['\u2066Phone\u2069', 'isolates (U+2066, U+2069)'],
      ['Work\u200Blaptop', 'a zero-width space'],
      ['Lap\u200Dtop', 'a zero-width joiner between letters'],
      ['Phone\u2060', 'a word joiner'],
      ['\u00ADTablet', 'a soft hyphen'],
      ['x\u{E0041}', 'a tag character'],
    ] as const) {
      const response = await rename(name);
      t.same(
        [response.statusCode, response.headers['content-type'], response.json().code],
        [400, 'application/problem+json; charset=utf-8', 'validation_failed'],
        `${route}: ${why}`,
      );
      t.match(response.json().errors, [{ path: 'body/name', message: /format characters/ }]);
    }
    for (const [name, why] of [
      ['\u3164', 'a Hangul filler'],
      ['\u2800\u2800', 'blank Braille'],
      ['\u0301\u0301', 'combining marks alone'],
      ['\uFE0F', 'a variation selector alone'],
      ['\u115F\u1160', 'Hangul Jamo fillers'],
    ] as const) {
      const response = await rename(name);
      t.same([response.statusCode, response.json().code], [400, 'validation_failed'], `${route}: ${why}`);
    }
    const emoji = await rename('\u{1F469}\u200D\u{1F4BB} Dev box');
    t.same(
      [emoji.statusCode, emoji.json().name],
      [200, '\u{1F469}\u200D\u{1F4BB} Dev box'],
      `${route}: a joiner inside an emoji sequence is kept`,
    );
  }
  t.equal((await rows.findById(me.session.id))?.name, '\u{1F469}\u200D\u{1F4BB} Dev box', 'nothing refused was stored');
});
