import type { FastifyInstance, InjectOptions } from 'fastify';
import { call, login, serviceToken } from '../helper.js';
import { buildConfiguredApp, isProblem } from './support/app.js';
import { family } from './support/family.js';

// Every route × every kind of caller: no token, a read-only service token, a write service token,
// an operator's sessions:admin token, a webhooks:manage service token (alone, and with
// sessions:read), the session token of the target's owner, of another user, and of an ended
// session. Each cell
// gets the documented status on fresh sessions; another user's session is answered exactly as a
// missing one; and a refused call changes nothing.

type Caller = 'none' | 'read' | 'write' | 'admin' | 'manage' | 'hooks' | 'owner' | 'other' | 'ended';
const CALLERS: Caller[] = ['none', 'read', 'write', 'admin', 'manage', 'hooks', 'owner', 'other', 'ended'];

interface Cell {
  method: InjectOptions['method'];
  path: string;
  query?: string;
  body?: Record<string, unknown>;
  expect: Record<Caller, number>;
  /** {id} is a webhook endpoint (made for the cell) rather than a session. */
  webhook?: boolean;
}

// 'hooks' holds sessions:read too.
const service = (read: number, write: number): Record<Caller, number> => ({
  none: 401,
  read,
  write,
  admin: 403,
  manage: 403,
  hooks: read,
  owner: 401,
  other: 401,
  ended: 401,
});
// sessions:admin only: no backend scope reaches these routes, and admin reaches no other.
const operator = (admin: number): Record<Caller, number> => ({
  none: 401,
  read: 403,
  write: 403,
  admin,
  manage: 403,
  hooks: 403,
  owner: 401,
  other: 401,
  ended: 401,
});
const me = (owner: number, other: number): Record<Caller, number> => ({
  none: 401,
  read: 401,
  write: 401,
  admin: 401,
  manage: 401,
  hooks: 401,
  owner,
  other,
  ended: 401,
});
const open = { none: 200, read: 200, write: 200, admin: 200, manage: 200, hooks: 200, owner: 200, other: 200, ended: 200 };
// webhooks:manage only: no sessions scope reaches these routes. Pointing an endpoint somewhere (a
// new one, a new URL) takes sessions:read as well.
const hooks = (manage: number, withRead = manage): Record<Caller, number> => ({
  none: 401,
  read: 403,
  write: 403,
  admin: 403,
  manage,
  hooks: withRead,
  owner: 401,
  other: 401,
  ended: 401,
});

const MATRIX: Cell[] = [
  { method: 'POST', path: '/v1/sessions', body: { userId: '{userId}' }, expect: service(403, 201) },
  { method: 'GET', path: '/v1/sessions/{id}', expect: service(200, 200) },
  { method: 'POST', path: '/v1/sessions/{id}/heartbeat', body: {}, expect: service(403, 200) },
  { method: 'DELETE', path: '/v1/sessions/{id}', expect: service(403, 200) },
  { method: 'GET', path: '/v1/sessions/{id}/events', expect: service(200, 200) },
  { method: 'POST', path: '/v1/sessions/introspect', body: { token: '{token}' }, expect: service(200, 200) },
  { method: 'GET', path: '/v1/users/{userId}/sessions', expect: service(200, 200) },
  { method: 'POST', path: '/v1/users/{userId}/sessions/revoke', body: {}, expect: service(403, 200) },
  { method: 'PATCH', path: '/v1/sessions/{id}', body: { name: 'Work laptop' }, expect: service(403, 200) },
  { method: 'POST', path: '/v1/sessions/{id}/review', body: { state: 'confirmed' }, expect: operator(200) },
  { method: 'GET', path: '/v1/sessions', query: 'ip=81.2.69.142&limit=1', expect: operator(200) },
  { method: 'GET', path: '/v1/sessions', query: 'createdAfter=1970-01-01T00:00:00Z&limit=1', expect: operator(200) },
  { method: 'POST', path: '/v1/sessions/revoke', body: { ip: '198.51.100.7', reason: 'admin' }, expect: operator(200) },
  { method: 'POST', path: '/v1/sessions/revoke', body: { ip: '198.51.100.7', reason: 'admin', expectedCount: 0 }, expect: operator(200) },
  { method: 'POST', path: '/v1/sessions/revoke', body: { createdAfter: '1970-01-01T00:00:00Z', reason: 'admin' }, expect: operator(400) },
  { method: 'POST', path: '/v1/sessions/revoke', body: { network: '::/0', reason: 'admin', expectedCount: 0 }, expect: operator(400) },
  { method: 'GET', path: '/v1/users/{userId}/export', expect: operator(200) },
  { method: 'DELETE', path: '/v1/users/{userId}', expect: operator(200) },
  { method: 'GET', path: '/v1/me/sessions', expect: me(200, 200) },
  { method: 'GET', path: '/v1/me/sessions/{id}', expect: me(200, 404) },
  { method: 'GET', path: '/v1/me/sessions/{id}/events', expect: me(200, 404) },
  { method: 'DELETE', path: '/v1/me/sessions/{id}', expect: me(200, 404) },
  { method: 'POST', path: '/v1/me/sessions/revoke-others', expect: me(200, 200) },
  { method: 'POST', path: '/v1/me/sessions/{id}/confirm', expect: me(200, 404) },
  { method: 'POST', path: '/v1/me/sessions/{id}/report', expect: me(200, 404) },
  { method: 'PATCH', path: '/v1/me/sessions/{id}', body: { name: 'Work laptop' }, expect: me(200, 404) },
  { method: 'GET', path: '/v1/me/export', expect: me(200, 200) },
  { method: 'POST', path: '/v1/me/heartbeat', body: {}, expect: me(200, 200) },
  { method: 'POST', path: '/v1/me/logout', expect: me(200, 200) },
  { method: 'POST', path: '/v1/webhooks', body: { url: 'https://hooks.example.com/{userId}' }, expect: hooks(403, 201) },
  { method: 'GET', path: '/v1/webhooks', expect: hooks(200) },
  { method: 'GET', path: '/v1/webhooks/{id}', expect: hooks(200), webhook: true },
  { method: 'PATCH', path: '/v1/webhooks/{id}', body: { description: 'changed' }, expect: hooks(200), webhook: true },
  {
    method: 'PATCH',
    path: '/v1/webhooks/{id}',
    body: { url: 'https://hooks.example.com/elsewhere' },
    expect: hooks(403, 200),
    webhook: true,
  },
  { method: 'GET', path: '/v1/webhooks/{id}/url-changes', expect: hooks(200), webhook: true },
  { method: 'DELETE', path: '/v1/webhooks/{id}', expect: hooks(200), webhook: true },
  { method: 'POST', path: '/v1/webhooks/{id}/rotate-secret', body: {}, expect: hooks(200), webhook: true },
  { method: 'GET', path: '/v1/webhooks/{id}/deliveries', expect: hooks(200), webhook: true },
  { method: 'GET', path: '/v1/events', expect: service(200, 200) },
  { method: 'GET', path: '/.well-known/jwks.json', expect: open },
  { method: 'GET', path: '/.well-known/ssf-configuration', expect: open },
  { method: 'GET', path: '/healthz', expect: open },
  { method: 'GET', path: '/readyz', expect: open },
  { method: 'GET', path: '/metrics', expect: open },
];

const MISSING_ID = '01a20920-0000-7000-8000-000000000000';

/** Alice's sessions (the caller's own, the target, an ended one) and Bob's, fresh for one cell. */
async function world(app: FastifyInstance, n: number) {
  const alice = `alice-${n}`;
  const bob = `bob-${n}`;
  const [a1, a2, a3, b1] = await Promise.all([
    login(app, { userId: alice }),
    login(app, { userId: alice }),
    login(app, { userId: alice }),
    login(app, { userId: bob }),
  ]);
  const ended = await call(app, serviceToken(app), { method: 'DELETE', url: `/v1/sessions/${a3.session.id}` });
  if (ended.statusCode !== 200) throw new Error('setup: could not end a session');
  return { alice, bob, caller: a1, target: a2, ended: a3, other: b1 };
}

function tokenFor(app: FastifyInstance, who: Caller, w: Awaited<ReturnType<typeof world>>): string | null {
  switch (who) {
    case 'none':
      return null;
    case 'read':
      return serviceToken(app, 'sessions:read');
    case 'write':
      return serviceToken(app, 'sessions:write');
    case 'admin':
      return serviceToken(app, 'sessions:admin');
    case 'manage':
      return serviceToken(app, 'webhooks:manage');
    case 'hooks':
      return serviceToken(app, 'webhooks:manage sessions:read');
    case 'owner':
      return w.caller.token;
    case 'other':
      return w.other.token;
    case 'ended':
      return w.ended.token;
  }
}

function fill(text: string, w: Awaited<ReturnType<typeof world>>, id: string): string {
  return text.replaceAll('{id}', id).replaceAll('{userId}', w.alice).replaceAll('{token}', w.target.token);
}

function request(cell: Cell, w: Awaited<ReturnType<typeof world>>, token: string | null, id: string): InjectOptions {
  const body = cell.body ? JSON.parse(fill(JSON.stringify(cell.body), w, id)) : undefined;
  const url = fill(cell.path, w, id) + (cell.query ? `?${cell.query}` : '');
  return { method: cell.method, url, payload: body, headers: token ? { authorization: `Bearer ${token}` } : {} };
}

/** Headers that differ between any two calls (the rate-limit ones count the caller's own calls). */
const stripVolatile = (headers: Record<string, unknown>) => {
  const { 'x-request-id': _id, date: _date, 'x-ratelimit-remaining': _left, 'x-ratelimit-reset': _reset, ...rest } = headers;
  return rest;
};

family('access control matrix', { kind: 'attack', unit: 'route × caller cells', timeout: 600000 }, async (t, tally) => {
  const { app } = await buildConfiguredApp(t);
  const token = serviceToken(app);

  // The matrix covers every route the service documents.
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
  const documented = Object.entries<Record<string, unknown>>(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
  );
  const covered = new Set(MATRIX.map((c) => `${c.method} ${c.path}`));
  tally.check(
    documented.every((r) => covered.has(r)),
    'every documented route is in the matrix',
    { missing: documented.filter((r) => !covered.has(r)) },
  );

  let n = 0;
  const manage = serviceToken(app, 'webhooks:manage sessions:read');
  const hook = async (url: string) => (await call(app, manage, { method: 'GET', url })).json();
  for (const cell of MATRIX) {
    for (const who of CALLERS) {
      n++;
      await tally.trial(`${cell.method} ${cell.path} as ${who}`, async () => {
        const w = await world(app, n);
        const webhook = cell.webhook
          ? (await call(app, manage, { method: 'POST', url: '/v1/webhooks', payload: { url: `https://hooks.example.com/${n}` } })).json()
              .endpoint
          : null;
        const response = await app.inject(request(cell, w, tokenFor(app, who, w), webhook?.id ?? w.target.session.id));
        const label = `${cell.method} ${cell.path} as ${who}`;
        t.equal(response.statusCode, cell.expect[who], label);
        if (response.statusCode >= 400) t.ok(isProblem(response), `${label}: a problem document`);
        if (response.statusCode === 401) t.equal(response.headers['www-authenticate'], 'Bearer', `${label}: WWW-Authenticate`);

        if (who === 'other' && cell.expect.other === 404) {
          // Indistinguishable from a session that does not exist: same status, headers and body.
          const missing = await app.inject(request(cell, w, w.other.token, MISSING_ID));
          const a = response.json();
          const b = missing.json();
          t.same({ ...a, requestId: 'x' }, { ...b, requestId: 'x' }, `${label}: same body as a missing session`);
          t.same(stripVolatile(response.headers), stripVolatile(missing.headers), `${label}: same headers as a missing session`);
        }
        if (who === 'other' && cell.path === '/v1/me/sessions') {
          const ids = (response.json().items as Array<{ id: string; userId: string }>).map((s) => s.userId);
          t.ok(
            ids.every((u) => u === w.bob),
            `${label}: only the caller's own sessions are listed`,
          );
        }
        if (who === 'other' && cell.path === '/v1/me/export') {
          const exported = response.json() as { userId: string; sessions: Array<{ userId: string }>; events: Array<{ sessionId: string }> };
          t.equal(exported.userId, w.bob, `${label}: the caller's own export`);
          t.ok(
            exported.sessions.length > 0 && exported.sessions.every((s) => s.userId === w.bob),
            `${label}: only the caller's own sessions are exported`,
          );
          t.notOk(response.body.includes(w.target.session.id), `${label}: nothing of another user`);
        }
        // A refused call, or another user's own-session call, never touches the target.
        if (response.statusCode >= 400 || who === 'other') {
          const target = await call(app, token, { method: 'GET', url: `/v1/sessions/${w.target.session.id}` });
          t.equal(target.json().status, 'active', `${label}: the target session is untouched`);
          t.same(target.json().activity, { pageViews: 0, heartbeats: 0 }, `${label}: no activity recorded on it`);
          if (webhook) t.same(await hook(`/v1/webhooks/${webhook.id}`), webhook, `${label}: the endpoint is untouched`);
        }
        // Endpoints are few by design (at most 50): each cell's go when it ends.
        for (const item of (await hook('/v1/webhooks')).items as Array<{ id: string }>)
          await call(app, manage, { method: 'DELETE', url: `/v1/webhooks/${item.id}` });
      });
    }
  }
  tally.note(`${MATRIX.length} routes × ${CALLERS.length} callers`);
});
