import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { call, login, serviceToken } from '../helper.js';
import { buildConfiguredApp } from './support/app.js';
import { family } from './support/family.js';
import { request as httpRequest } from './support/http.js';

// The caller's address comes from the TCP peer unless that peer is a trusted proxy
// (TRUST_PROXY). A forged X-Forwarded-For or X-Real-IP from anyone else changes nothing: not the
// address recorded on a session by POST /v1/me/heartbeat (which takes request.ip when the body
// has none), and not the address that repeated authentication failures are counted against.

const FORGED = '81.2.69.142';

async function heartbeatFrom(app: FastifyInstance, peer: string, headers: Record<string, string>): Promise<string | null> {
  const { session, token } = await login(app, { userId: `xff-${Math.random()}`, ip: '2.125.160.216' });
  const beat = await app.inject({
    method: 'POST',
    url: '/v1/me/heartbeat',
    remoteAddress: peer,
    headers: { authorization: `Bearer ${token}`, ...headers },
  });
  if (beat.statusCode !== 200) throw new Error(`heartbeat answered ${beat.statusCode}: ${beat.body}`);
  return (await call(app, serviceToken(app), { method: 'GET', url: `/v1/sessions/${session.id}` })).json().ip;
}

family('forged X-Forwarded-For and X-Real-IP', { kind: 'attack', unit: 'cases', timeout: 300000 }, async (t, tally) => {
  const direct = (await buildConfiguredApp(t)).app;
  const proxied = (await buildConfiguredApp(t, { TRUST_PROXY: '127.0.0.1' })).app;
  const trustAll = (await buildConfiguredApp(t, { TRUST_PROXY: 'true' })).app;
  const forged = { 'x-forwarded-for': FORGED, 'x-real-ip': '89.160.20.112', forwarded: `for=${FORGED}` };

  const cases: Array<[string, () => Promise<string | null>, string]> = [
    ['TRUST_PROXY unset, forged headers from 127.0.0.1', () => heartbeatFrom(direct, '127.0.0.1', forged), '127.0.0.1'],
    ['TRUST_PROXY unset, forged headers from a public peer', () => heartbeatFrom(direct, '203.0.113.7', forged), '203.0.113.7'],
    [
      'TRUST_PROXY unset, a chain of forged hops',
      () => heartbeatFrom(direct, '203.0.113.7', { 'x-forwarded-for': `66.66.66.66, ${FORGED}` }),
      '203.0.113.7',
    ],
    ['TRUST_PROXY=127.0.0.1, from the proxy: honoured', () => heartbeatFrom(proxied, '127.0.0.1', { 'x-forwarded-for': FORGED }), FORGED],
    [
      'TRUST_PROXY=127.0.0.1, from an untrusted peer: ignored',
      () => heartbeatFrom(proxied, '10.1.2.3', { 'x-forwarded-for': FORGED }),
      '10.1.2.3',
    ],
    [
      'TRUST_PROXY=127.0.0.1, client-forged first hop: the proxy-seen address wins',
      () => heartbeatFrom(proxied, '127.0.0.1', { 'x-forwarded-for': `66.66.66.66, ${FORGED}` }),
      FORGED,
    ],
    ['TRUST_PROXY=127.0.0.1, X-Real-IP alone: never read', () => heartbeatFrom(proxied, '127.0.0.1', { 'x-real-ip': FORGED }), '127.0.0.1'],
    [
      'TRUST_PROXY=127.0.0.1, garbage X-Forwarded-For from the proxy: served, address unchanged',
      () => heartbeatFrom(proxied, '127.0.0.1', { 'x-forwarded-for': "'; DROP TABLE sessions; --" }),
      '2.125.160.216',
    ],
    [
      'TRUST_PROXY=true, whatever the client says is the address, but only if it is one',
      () => heartbeatFrom(trustAll, '127.0.0.1', { 'x-forwarded-for': 'not-an-address' }),
      '2.125.160.216',
    ],
    ['IPv4-mapped IPv6 peer is stored as IPv4', () => heartbeatFrom(direct, `::ffff:${FORGED}`, {}), FORGED],
  ];
  for (const [name, run, expected] of cases) {
    await tally.trial(name, async () => {
      t.equal(await run(), expected, name);
    });
  }

  await tally.trial('over TCP, TRUST_PROXY unset: a forged header from 127.0.0.1 is ignored', async () => {
    await direct.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(direct.server.address() as AddressInfo).port}`;
    const { session, token } = await login(direct, { userId: 'xff-tcp', ip: '2.125.160.216' });
    const beat = await httpRequest(base, { method: 'POST', path: '/v1/me/heartbeat', token, headers: forged });
    t.equal(beat.status, 200);
    const ip = (await call(direct, serviceToken(direct), { method: 'GET', url: `/v1/sessions/${session.id}` })).json().ip;
    t.equal(ip, '127.0.0.1', 'the TCP peer is recorded');
  });

  await tally.trial('forged X-Forwarded-For does not dodge the authentication-failure limit', async () => {
    const { app } = await buildConfiguredApp(t, { AUTH_FAILURES_PER_MINUTE: '5' });
    const { token } = await login(app, { userId: 'limited' });
    for (let i = 0; i < 5; i++) {
      const bad = await app.inject({
        method: 'GET',
        url: '/v1/me/sessions',
        headers: { authorization: 'Bearer sr1_guess', 'x-forwarded-for': `198.51.100.${i}` },
      });
      t.equal(bad.statusCode, 401);
    }
    // Failures only are refused after the limit; the next one, whatever address it claims, is.
    const blocked = await app.inject({
      method: 'GET',
      url: '/v1/me/sessions',
      headers: { authorization: 'Bearer sr1_guess', 'x-forwarded-for': '198.51.100.99', 'x-real-ip': '198.51.100.98' },
    });
    t.equal(blocked.statusCode, 429, 'still counted against the real peer');
    t.ok(Number(blocked.headers['retry-after']) > 0, 'with Retry-After');
    const genuine = await app.inject({
      method: 'GET',
      url: '/v1/me/sessions',
      headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': '198.51.100.99' },
    });
    t.equal(genuine.statusCode, 200, 'a genuine token from the same peer is still served');
  });
});
