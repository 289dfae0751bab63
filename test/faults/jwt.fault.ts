import { createHmac, generateKeyPairSync, sign as cryptoSign, constants, type KeyObject } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { TEST_SECRET } from '../helper.js';
import { buildConfiguredApp, isProblem } from './support/app.js';
import type { Test } from 'tap';
import { family, type Tally } from './support/family.js';

// Forged service tokens against each supported verification setup (HS256 with a secret, RS256 and
// ES256 with a public key): algorithm "none" in any spelling, HMAC signed with the public key,
// keys smuggled in headers (jwk, x5c) or pointed at (jku, x5u, kid), tampered payloads, other
// algorithms of the same family, missing or out-of-date claims (iss, aud, exp, iat, nbf), oversized tokens. Every one is a
// 401 problem, a genuine token still works, and nothing is ever fetched from anywhere.

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const claims = (extra: Record<string, unknown> = {}) => ({
  iss: 'session-registry',
  aud: 'session-registry',
  iat: now(),
  exp: now() + 600,
  sub: 'attacker',
  scope: 'sessions:read sessions:write',
  ...extra,
});

type Signer = (input: string) => string;
const hmac =
  (bits: 256 | 384 | 512, key: string | Buffer): Signer =>
  (input) =>
    createHmac(`sha${bits}`, key).update(input).digest('base64url');
const rsa =
  (key: KeyObject, bits = 256, pss = false): Signer =>
  (input) =>
    cryptoSign(
      `sha${bits}`,
      Buffer.from(input),
      pss ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: bits / 8 } : key,
    ).toString('base64url');
const ecdsa =
  (key: KeyObject): Signer =>
  (input) =>
    cryptoSign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
const ed =
  (key: KeyObject): Signer =>
  (input) =>
    cryptoSign(null, Buffer.from(input), key).toString('base64url');

function token(header: Record<string, unknown>, payload: unknown, signer: Signer | null): string {
  const input = `${b64({ typ: 'JWT', ...header })}.${b64(payload)}`;
  return `${input}.${signer ? signer(input) : ''}`;
}

/** A server on 127.0.0.1 that key URLs point at, counting every request it gets. */
async function trap(t: { teardown(fn: () => unknown): void }, jwks: unknown) {
  let hits = 0;
  const server = http.createServer((_request, response) => {
    hits++;
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits };
}

/** Counts outbound calls made through fetch, http and https while `body` runs. */
async function watchOutbound<T>(body: () => Promise<T>): Promise<{ result: T; calls: string[] }> {
  const calls: string[] = [];
  const originals = {
    fetch: globalThis.fetch,
    httpRequest: http.request,
    httpGet: http.get,
    httpsRequest: https.request,
    httpsGet: https.get,
  };
  const note =
    (kind: string, original: (...args: any[]) => any) =>
    (...args: any[]) => {
      calls.push(`${kind} ${String(args[0]?.href ?? args[0]?.hostname ?? args[0]).slice(0, 100)}`);
      return original(...args);
    };
  globalThis.fetch = note('fetch', originals.fetch) as typeof fetch;
  http.request = note('http.request', originals.httpRequest) as typeof http.request;
  http.get = note('http.get', originals.httpGet) as typeof http.get;
  https.request = note('https.request', originals.httpsRequest) as typeof https.request;
  https.get = note('https.get', originals.httpsGet) as typeof https.get;
  try {
    return { result: await body(), calls };
  } finally {
    globalThis.fetch = originals.fetch;
    http.request = originals.httpRequest;
    http.get = originals.httpGet;
    https.request = originals.httpsRequest;
    https.get = originals.httpsGet;
  }
}

interface Setup {
  name: string;
  env: Record<string, string>;
  genuine: Signer;
  alg: string;
  /** The key a verifier would hold, as text (an attacker has it too when it is public). */
  publicText: string | null;
}

function attacks(setup: Setup, trapUrl: string, sessionToken: string): Record<string, string> {
  const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const attackerEc = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const attackerJwk = attacker.publicKey.export({ format: 'jwk' });
  const genuine = token({ alg: setup.alg }, claims(), setup.genuine);
  const [h, p, s] = genuine.split('.');
  const list: Record<string, string> = {};
  for (const spelling of ['none', 'None', 'NONE', 'nOnE']) {
    list[`alg ${spelling}, no signature`] = token({ alg: spelling }, claims(), null);
    list[`alg ${spelling}, genuine signature kept`] = `${b64({ alg: spelling, typ: 'JWT' })}.${p}.${s}`;
  }
  list['no alg at all'] = token({}, claims(), setup.genuine);
  list['tampered payload (scope and sub)'] = `${h}.${b64(claims({ sub: 'root', scope: 'sessions:write admin' }))}.${s}`;
  list['signature of another token'] =
    `${h}.${b64(claims({ sub: 'other' }))}.${token({ alg: setup.alg }, claims({ sub: 'x' }), setup.genuine).split('.')[2]}`;
  list['empty signature'] = `${h}.${p}.`;
  list['two dots only'] = `${h}.${p}`;
  list['RS256 by an attacker key'] = token({ alg: 'RS256' }, claims(), rsa(attacker.privateKey));
  list['ES256 by an attacker key'] = token({ alg: 'ES256' }, claims(), ecdsa(attackerEc.privateKey));
  list['attacker key embedded as jwk'] = token({ alg: 'RS256', jwk: attackerJwk }, claims(), rsa(attacker.privateKey));
  list['attacker chain embedded as x5c'] = token(
    { alg: 'RS256', x5c: [attacker.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')] },
    claims(),
    rsa(attacker.privateKey),
  );
  list['jku pointing at an attacker JWKS'] = token(
    { alg: 'RS256', jku: `${trapUrl}/jwks.json`, kid: 'attacker' },
    claims(),
    rsa(attacker.privateKey),
  );
  list['x5u pointing at an attacker certificate'] = token({ alg: 'RS256', x5u: `${trapUrl}/cert.pem` }, claims(), rsa(attacker.privateKey));
  list['kid path traversal, HMAC with an empty key'] = token({ alg: 'HS256', kid: '../../../../../../dev/null' }, claims(), hmac(256, ''));
  list['kid SQL, HMAC with a guessable key'] = token({ alg: 'HS256', kid: "x' UNION SELECT 'secret' --" }, claims(), hmac(256, 'secret'));
  list['kid URL'] = token({ alg: 'RS256', kid: `${trapUrl}/key` }, claims(), rsa(attacker.privateKey));
  list['crit header with an unknown extension'] = token(
    { alg: 'RS256', crit: ['exp'], jku: `${trapUrl}/jwks.json` },
    claims(),
    rsa(attacker.privateKey),
  );
  if (setup.publicText) {
    // The classic confusion: the verifier's public key, which anyone has, used as an HMAC secret.
    list['HS256 signed with the public key (PEM)'] = token({ alg: 'HS256' }, claims(), hmac(256, setup.publicText));
    list['HS256 signed with the public key (PEM, no trailing newline)'] = token(
      { alg: 'HS256' },
      claims(),
      hmac(256, setup.publicText.trim()),
    );
    list['HS512 signed with the public key'] = token({ alg: 'HS512' }, claims(), hmac(512, setup.publicText));
  } else {
    list['HS384 with the right secret'] = token({ alg: 'HS384' }, claims(), hmac(384, TEST_SECRET));
    list['HS512 with the right secret'] = token({ alg: 'HS512' }, claims(), hmac(512, TEST_SECRET));
    list['HS256 with a near-miss secret'] = token({ alg: 'HS256' }, claims(), hmac(256, `${TEST_SECRET} `));
  }
  list['missing iss'] = token({ alg: setup.alg }, claims({ iss: undefined }), setup.genuine);
  list['missing aud'] = token({ alg: setup.alg }, claims({ aud: undefined }), setup.genuine);
  list['missing exp'] = token({ alg: setup.alg }, claims({ exp: undefined }), setup.genuine);
  list['missing iat'] = token({ alg: setup.alg }, claims({ iat: undefined }), setup.genuine);
  list['issued in an hour'] = token({ alg: setup.alg }, claims({ iat: now() + 3600 }), setup.genuine);
  list['issued longer ago than SERVICE_TOKEN_MAX_AGE'] = token({ alg: setup.alg }, claims({ iat: now() - 2 * 86400 }), setup.genuine);
  list['wrong iss'] = token({ alg: setup.alg }, claims({ iss: 'evil' }), setup.genuine);
  list['wrong aud'] = token({ alg: setup.alg }, claims({ aud: 'another-service' }), setup.genuine);
  list['aud as a list without ours'] = token({ alg: setup.alg }, claims({ aud: ['a', 'b'] }), setup.genuine);
  list['exp as a string'] = token({ alg: setup.alg }, claims({ exp: String(now() + 600) }), setup.genuine);
  list['expired'] = token({ alg: setup.alg }, claims({ exp: now() - 60 }), setup.genuine);
  list['not yet valid (nbf in an hour)'] = token({ alg: setup.alg }, claims({ nbf: now() + 3600 }), setup.genuine);
  list['payload not JSON'] = `${h}.${b64('not json')}.${s}`;
  list['payload an array'] = token({ alg: setup.alg }, [claims()], setup.genuine);
  list['header not JSON'] = `${b64('{"alg":')}.${p}.${s}`;
  list['huge token'] = `${h}.${'A'.repeat(9000)}.${s}`;
  list['huge but under the header limit, genuinely signed'] = token({ alg: setup.alg }, claims({ pad: 'x'.repeat(7000) }), setup.genuine);
  list['session token on a service route'] = sessionToken;
  list['four segments'] = `${genuine}.${s}`;
  list['whitespace inside'] = `${h}. ${p}.${s}`;
  return list;
}

const ROUTES = [
  { method: 'GET' as const, url: '/v1/users/victim/sessions', ok: 200 },
  { method: 'POST' as const, url: '/v1/sessions', payload: { userId: 'victim' }, ok: 201 },
  { method: 'DELETE' as const, url: '/v1/sessions/01a20920-012e-76ad-b2bd-e2f0cc8d0114', ok: 404 },
];

async function attackSetup(t: Test, tally: Tally, setup: Setup): Promise<void> {
  const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const server = await trap(t, { keys: [{ ...attacker.publicKey.export({ format: 'jwk' }), kid: 'attacker', alg: 'RS256', use: 'sig' }] });
  const { app } = await buildConfiguredApp(t, setup.env);
  const genuine = token({ alg: setup.alg }, claims({ sub: 'backend' }), setup.genuine);
  const created = await app.inject({
    method: 'POST',
    url: '/v1/sessions',
    headers: { authorization: `Bearer ${genuine}` },
    payload: { userId: 'victim' },
  });
  t.equal(created.statusCode, 201, 'setup: a session exists');
  const list = attacks(setup, server.url, created.json().token);
  // Control: a deliberate call is seen by both the watch and the key server.
  const control = await watchOutbound(() => fetch(`${server.url}/probe`).then((r) => r.text()));
  tally.check(control.calls.length === 1 && server.hits() === 1, `${setup.name}: control call seen`, {
    calls: control.calls,
    hits: server.hits(),
  });
  const hitsBefore = server.hits();
  const { calls } = await watchOutbound(async () => {
    for (const route of ROUTES) {
      const control = await app.inject({ ...route, headers: { authorization: `Bearer ${genuine}` } });
      tally.check(control.statusCode === route.ok, `${setup.name}: a genuine token works on ${route.method} ${route.url}`, {
        status: control.statusCode,
        body: control.body,
      });
      for (const [name, forged] of Object.entries(list)) {
        const response = await app.inject({ ...route, headers: { authorization: `Bearer ${forged}` } });
        const ok =
          response.statusCode === 401 &&
          isProblem(response) &&
          response.json().code === 'unauthorized' &&
          response.headers['www-authenticate'] === 'Bearer';
        tally.check(ok, `${setup.name}: ${name} → 401 on ${route.method} ${route.url}`, {
          status: response.statusCode,
          body: response.body.slice(0, 300),
        });
      }
    }
  });
  tally.check(server.hits() === hitsBefore, `${setup.name}: the key URLs in jku, x5u and kid were never fetched`, {
    hits: server.hits() - hitsBefore,
  });
  tally.check(calls.length === 0, `${setup.name}: no outbound fetch, http or https call was made`, { calls });
  tally.note(
    `${setup.name}: ${Object.keys(list).length} forged tokens × ${ROUTES.length} routes, ${server.hits() - hitsBefore} hits on the key server`,
  );
}

family('JWT attacks: HS256 with a secret', { kind: 'attack', unit: 'token × route checks', timeout: 300000 }, async (t, tally) => {
  await attackSetup(t, tally, { name: 'HS256', env: {}, alg: 'HS256', genuine: hmac(256, TEST_SECRET), publicText: null });
});

family('JWT attacks: RS256 with a public key', { kind: 'attack', unit: 'token × route checks', timeout: 300000 }, async (t, tally) => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  await attackSetup(t, tally, {
    name: 'RS256',
    env: { JWT_ALGORITHM: 'RS256', JWT_PUBLIC_KEY: pem },
    alg: 'RS256',
    genuine: rsa(privateKey),
    publicText: pem,
  });
  // The right key with the other RSA algorithms is still refused: the algorithm is pinned.
  const { app } = await buildConfiguredApp(t, { JWT_ALGORITHM: 'RS256', JWT_PUBLIC_KEY: pem.replace(/\n/g, '\\n') });
  for (const [name, forged] of Object.entries({
    'RS512 with the right key': token({ alg: 'RS512' }, claims(), rsa(privateKey, 512)),
    'PS256 with the right key': token({ alg: 'PS256' }, claims(), rsa(privateKey, 256, true)),
    'RS256 header, PS256 signature': token({ alg: 'RS256' }, claims(), rsa(privateKey, 256, true)),
  })) {
    const response = await app.inject({ method: 'GET', url: '/v1/users/victim/sessions', headers: { authorization: `Bearer ${forged}` } });
    tally.check(response.statusCode === 401, `RS256: ${name} → 401`, { status: response.statusCode });
  }
  const genuine = token({ alg: 'RS256' }, claims(), rsa(privateKey));
  const control = await app.inject({ method: 'GET', url: '/v1/users/victim/sessions', headers: { authorization: `Bearer ${genuine}` } });
  tally.check(control.statusCode === 200, 'RS256: a key given with literal \\n escapes works', { status: control.statusCode });
});

family(
  'JWT attacks: ES256 and EdDSA with a public key',
  { kind: 'attack', unit: 'token × route checks', timeout: 300000 },
  async (t, tally) => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const ecPem = ec.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await attackSetup(t, tally, {
      name: 'ES256',
      env: { JWT_ALGORITHM: 'ES256', JWT_PUBLIC_KEY: ecPem },
      alg: 'ES256',
      genuine: ecdsa(ec.privateKey),
      publicText: ecPem,
    });
    const edKeys = generateKeyPairSync('ed25519');
    const edPem = edKeys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await attackSetup(t, tally, {
      name: 'EdDSA',
      env: { JWT_ALGORITHM: 'EdDSA', JWT_PUBLIC_KEY: edPem },
      alg: 'EdDSA',
      genuine: ed(edKeys.privateKey),
      publicText: edPem,
    });
  },
);
