import { readFileSync } from 'node:fs';
import { login, serviceToken } from '../helper.js';
import { buildConfiguredApp, isProblem } from './support/app.js';
import { family } from './support/family.js';

// Limits: every /v1/me route is limited per session (rotating addresses, or the spelling of
// "Bearer", does not reset the budget), repeated failed authentications from one address are
// refused for a while (rotating invalid tokens does not help) while genuine credentials from the
// same address are still served, each refusal is a 429 problem with Retry-After, and the OpenAPI
// document says so on each route concerned.

const LIMIT = 3;
const ME_ROUTES: Array<{ method: 'GET' | 'POST' | 'DELETE'; url: string }> = [
  { method: 'GET', url: '/v1/me/sessions' },
  { method: 'GET', url: '/v1/me/sessions/{other}' },
  { method: 'GET', url: '/v1/me/sessions/{other}/events' },
  { method: 'DELETE', url: '/v1/me/sessions/{missing}' },
  { method: 'POST', url: '/v1/me/sessions/revoke-others' },
  { method: 'POST', url: '/v1/me/heartbeat' },
  { method: 'POST', url: '/v1/me/logout' },
];

function isRateLimited(
  response: { statusCode: number; headers: Record<string, unknown>; body: string; json(): any },
  maxSeconds: number,
): boolean {
  const retryAfter = Number(response.headers['retry-after']);
  return (
    response.statusCode === 429 &&
    isProblem(response) &&
    response.json().code === 'rate_limited' &&
    retryAfter > 0 &&
    retryAfter <= maxSeconds
  );
}

family('rate limits on /v1/me routes', { kind: 'attack', unit: 'route checks', timeout: 300000 }, async (t, tally) => {
  const { app } = await buildConfiguredApp(t, { RATE_LIMIT_PER_MINUTE: String(LIMIT) });
  for (const route of ME_ROUTES) {
    await tally.trial(`${route.method} ${route.url}`, async () => {
      const mine = await login(app, { userId: `limited-${route.url}` });
      const other = await login(app, { userId: `limited-${route.url}` });
      const url = route.url.replace('{other}', other.session.id).replace('{missing}', '01a20920-0000-7000-8000-000000000000');
      const statuses: number[] = [];
      // From a different address, with another spelling of the scheme, each time: the budget belongs to the session.
      const schemes = ['Bearer', 'bearer', 'BEARER', 'bEaReR'];
      // A logout ends the session at its first call: its budget is spent on another /v1/me route first (the budget is the session's, whatever the route).
      const ends = route.url === '/v1/me/logout';
      for (let i = 0; i <= LIMIT; i++) {
        const spend = ends && i < LIMIT ? { method: 'GET' as const, url: '/v1/me/sessions' } : { method: route.method, url };
        const response = await app.inject({
          ...spend,
          remoteAddress: `198.51.100.${i + 1}`,
          headers: { authorization: `${schemes[i % schemes.length]} ${mine.token}` },
        });
        statuses.push(response.statusCode);
        if (i === LIMIT)
          t.ok(
            isRateLimited(response, 60),
            `${route.method} ${route.url}: call ${LIMIT + 1} is a 429 problem with Retry-After (${response.statusCode} ${response.headers['retry-after']})`,
          );
        else t.not(response.statusCode, 429, `${route.method} ${route.url}: call ${i + 1} is within the budget`);
      }
      if (ends) {
        const still = await app.inject({
          method: 'GET',
          url: `/v1/sessions/${mine.session.id}`,
          headers: { authorization: `Bearer ${serviceToken(app)}` },
        });
        t.equal(still.json().status, 'active', 'a refused logout ends nothing');
      }
      const fresh = await app.inject({ method: 'GET', url: '/v1/me/sessions', headers: { authorization: `Bearer ${other.token}` } });
      t.not(fresh.statusCode, 429, 'another session has its own budget');
    });
  }
});

family('repeated authentication failures', { kind: 'attack', unit: 'checks', timeout: 300000 }, async (t, tally) => {
  const failures = 5;
  const { app } = await buildConfiguredApp(t, { AUTH_FAILURES_PER_MINUTE: String(failures) });
  const good = serviceToken(app);
  const { token: sessionToken } = await login(app, { userId: 'victim' });
  type Response = Awaited<ReturnType<typeof app.inject>>;
  const attempts: Array<[string, (i: number) => Promise<Response>]> = [
    [
      'random session tokens on /v1/me',
      async (i) =>
        app.inject({
          method: 'GET',
          url: '/v1/me/sessions',
          remoteAddress: '192.0.2.1',
          headers: { authorization: `Bearer sr1_${String(i).padStart(32, '0')}${'A'.repeat(43)}` },
        }),
    ],
    [
      'forged service tokens on a service route',
      async (i) =>
        app.inject({
          method: 'GET',
          url: '/v1/users/victim/sessions',
          remoteAddress: '192.0.2.2',
          headers: { authorization: `Bearer eyJhbGciOiJub25lIn0.eyJpIjo${i}fQ.` },
        }),
    ],
    [
      'no token at all',
      async () => app.inject({ method: 'POST', url: '/v1/sessions', remoteAddress: '192.0.2.3', payload: { userId: 'x' } }),
    ],
    [
      'both kinds mixed from one address',
      async (i) =>
        app.inject({
          method: i % 2 ? 'GET' : 'POST',
          url: i % 2 ? '/v1/me/sessions' : '/v1/sessions/introspect',
          remoteAddress: '192.0.2.4',
          headers: { authorization: `Bearer ${i % 2 ? 'sr1_x' : 'not-a-jwt'}` },
          payload: i % 2 ? undefined : { token: 'x' },
        }),
    ],
  ];
  for (const [name, attempt] of attempts) {
    await tally.trial(name, async () => {
      const statuses: number[] = [];
      // Both kinds mixed count per kind: twice the attempts before each kind is over its limit.
      const rounds = name.startsWith('both') ? failures * 2 : failures;
      for (let i = 0; i < rounds; i++) statuses.push((await attempt(i)).statusCode);
      t.same(statuses, Array(rounds).fill(401), `${name}: the first ${rounds} are 401`);
      t.ok(isRateLimited(await attempt(rounds), 60), `${name}: the next failed attempt is a 429 with Retry-After`);
      const address = name.startsWith('random')
        ? '192.0.2.1'
        : name.startsWith('forged')
          ? '192.0.2.2'
          : name.startsWith('no token')
            ? '192.0.2.3'
            : '192.0.2.4';
      // Genuine credentials from that very address are served: another caller's failures never lock them out.
      const service = await app.inject({
        method: 'GET',
        url: '/v1/users/victim/sessions',
        remoteAddress: address,
        headers: { authorization: `Bearer ${good}` },
      });
      const me = await app.inject({
        method: 'GET',
        url: '/v1/me/sessions',
        remoteAddress: address,
        headers: { authorization: `Bearer ${sessionToken}` },
      });
      t.equal(service.statusCode, 200, `${name}: a genuine service token from that address is served`);
      t.equal(me.statusCode, 200, `${name}: a genuine session token from that address is served`);
    });
  }
});

family('429 documented in the OpenAPI document', { kind: 'attack', unit: 'operations', timeout: 120000 }, async (t, tally) => {
  const { app } = await buildConfiguredApp(t);
  const served = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
  const committed = readFileSync('openapi.yaml', 'utf8');
  for (const [path, ops] of Object.entries<Record<string, { responses: Record<string, unknown> }>>(served.paths)) {
    if (!path.startsWith('/v1/')) continue;
    for (const [method, op] of Object.entries(ops)) {
      tally.check('429' in op.responses, `${method.toUpperCase()} ${path}: 429 documented in /openapi.json`);
    }
    // The committed file: the path's block names a 429 response.
    const start = committed.indexOf(`\n  ${path}:`);
    const next = committed.slice(start + 1).search(/\n {2}\/[^\n]*:\n/);
    const block = start >= 0 ? committed.slice(start, next >= 0 ? start + 1 + next : undefined) : '';
    tally.check(/["']?429["']?:/.test(block), `${path}: 429 documented in openapi.yaml`);
  }
});
