import t from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRegistryClient } from '../../clients/typescript/src/index.js';
import { createSessionMiddleware, type SessionRequest } from '../../clients/typescript/src/node.js';
import { startRegistry, USER_AGENTS } from './support/registry.js';

// The same helper for Express, Connect or plain node:http: (req, res, next), signIn and signOut.
t.test('node:http: sign in, per-request check, pass-through and sign out', async (t) => {
  const registry = await startRegistry(t);
  const service = createRegistryClient({ baseUrl: registry.url, token: registry.token });
  const sessions = createSessionMiddleware({ client: service, cookie: { name: 'sid', secure: false } });
  const server = createServer((req: SessionRequest, res) => {
    sessions.middleware(req, res, async (error?: unknown) => {
      try {
        if (error) throw error;
        if (req.method === 'POST' && req.url === '/login') {
          const { session } = await sessions.signIn(req, res, { userId: 'nora' });
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: session.id }));
        } else if (req.method === 'POST' && req.url === '/logout') {
          await sessions.signOut(req, res);
          res.writeHead(204).end();
        } else {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ session: req.registrySession ?? null }));
        }
      } catch (failure) {
        res.writeHead(500).end(String(failure));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const login = await fetch(`${base}/login`, { method: 'POST', headers: { 'user-agent': USER_AGENTS.firefoxWindows } });
  const setCookie = login.headers.get('set-cookie') ?? '';
  t.match(setCookie, /^sid=sr1_[A-Za-z0-9_-]+; Path=\/; HttpOnly; SameSite=Lax$/);
  const cookie = setCookie.split(';')[0];
  const { id } = (await login.json()) as { id: string };
  t.equal((await service.getSession(id)).browser.name, 'Firefox');

  const page = await fetch(`${base}/home`, { headers: { cookie, accept: 'text/html' } });
  t.equal(((await page.json()) as { session: { id: string } }).session.id, id);
  t.equal((await service.getSession(id)).activity.pageViews, 1);

  const other = await service.createSession({ userId: 'nora', ip: '8.8.8.8' });
  const list = await fetch(`${base}/account/api/me/sessions`, { headers: { cookie } });
  t.equal(list.status, 200);
  const items = ((await list.json()) as { items: Array<{ id: string; current: boolean }> }).items;
  t.same(
    items.map((s) => [s.id, s.current]).sort(),
    [
      [id, true],
      [other.session.id, false],
    ].sort(),
  );
  const revoke = await fetch(`${base}/account/api/me/sessions/revoke-others`, { method: 'POST', headers: { cookie, origin: base } });
  t.same(await revoke.json(), { revoked: 1, ids: [other.session.id] });
  const rename = await fetch(`${base}/account/api/me/sessions/${id}`, {
    method: 'PATCH',
    headers: { cookie, origin: base, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Work laptop' }),
  });
  t.equal(rename.status, 200, "naming a device is one of the page's calls");
  t.equal(((await rename.json()) as { name: string }).name, 'Work laptop');
  t.equal((await service.getSession(id)).name, 'Work laptop');
  const unlisted = await fetch(`${base}/account/api/me/sessions/${id}/nothing`, { headers: { cookie } });
  t.equal(unlisted.status, 404, 'a path the page does not call is not passed on');
  t.equal(((await unlisted.json()) as { code: string }).code, 'not_found');

  const out = await fetch(`${base}/logout`, { method: 'POST', headers: { cookie } });
  t.equal(out.status, 204);
  t.match(out.headers.get('set-cookie') ?? '', /^sid=; Path=\/; Max-Age=0; HttpOnly; SameSite=Lax$/);
  const after = await fetch(`${base}/home`, { headers: { cookie } });
  t.equal(((await after.json()) as { session: unknown }).session, null);
  t.match(after.headers.get('set-cookie') ?? '', /Max-Age=0/, 'a dead cookie is cleared');
});
