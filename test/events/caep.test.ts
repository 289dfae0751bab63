import { generateKeyPairSync } from 'node:crypto';
import t from 'tap';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { Webhook } from 'standardwebhooks';
import { call, login, serviceToken, until } from '../helper.js';
import { buildEventsApp, createWebhook, startReceiver } from './support.js';

// CAEP: session.ended as a session-revoked Security Event Token, pushed as RFC 8935 describes,
// verified here with jose against the key set the registry publishes.

const CAEP_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
const ISSUER = 'https://registry.example.com';

const pem = (type: 'ec' | 'ed25519') =>
  (type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519')).privateKey
    .export({ type: 'pkcs8', format: 'pem' })
    .toString();

for (const [label, type, alg] of [
  ['ES256', 'ec', 'ES256'],
  ['EdDSA', 'ed25519', 'EdDSA'],
] as const) {
  t.test(`session.ended reaches a caep endpoint as a SET that verifies against the JWKS (${label})`, async (t) => {
    const { app, manage } = await buildEventsApp(t, { env: { EVENTS_SIGNING_KEY: pem(type), EVENTS_ISSUER: ISSUER } });
    const receiver = await startReceiver(t, () => 202);
    const { endpoint, secret } = await createWebhook(app, manage, { url: receiver.url, format: 'caep' });
    t.equal(endpoint.format, 'caep');
    const admin = await login(app, { userId: 'carl' });
    const user = await login(app, { userId: 'carl' });
    await call(app, serviceToken(app), { method: 'DELETE', url: `/v1/sessions/${admin.session.id}?reason=admin` });
    await app.inject({ method: 'POST', url: '/v1/me/logout', headers: { authorization: `Bearer ${user.token}` } });
    t.ok(await until(() => receiver.received.length >= 2), 'two SETs');
    await new Promise((resolve) => setTimeout(resolve, 200));
    t.equal(receiver.received.length, 2, 'only ends: logins are not CAEP events');

    const jwks = (await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();
    t.equal(jwks.keys.length, 1);
    t.match(jwks.keys[0], { alg, use: 'sig', kid: /.+/ });
    t.notOk('d' in jwks.keys[0], 'the public half only');
    const keys = createLocalJWKSet(jwks);
    const verified = [];
    for (const r of receiver.received) {
      t.equal(r.headers['content-type'], 'application/secevent+jwt');
      const { payload, protectedHeader } = await jwtVerify(r.body, keys, { issuer: ISSUER, audience: receiver.url, typ: 'secevent+jwt' });
      t.equal(protectedHeader.alg, alg);
      t.equal(protectedHeader.kid, jwks.keys[0].kid);
      t.equal(payload.jti, r.headers['webhook-id'], 'jti is the event id');
      t.ok(
        new Webhook(secret).verify(r.body, r.headers as Record<string, string>, { jsonParse: false }) === undefined,
        'the webhook signature verifies too',
      );
      verified.push(payload as any);
    }
    const [first, second] = verified;
    t.same(first.sub_id, {
      format: 'complex',
      session: { format: 'opaque', id: admin.session.id },
      user: { format: 'opaque', id: 'carl' },
    });
    t.match(first.events[CAEP_REVOKED], { initiating_entity: 'admin', reason_admin: { en: /administrator/ }, reason_user: { en: /.+/ } });
    t.ok(Math.abs(first.events[CAEP_REVOKED].event_timestamp - Date.now() / 1000) < 30, 'event_timestamp is when it ended, in seconds');
    t.equal(second.sub_id.session.id, user.session.id);
    t.match(second.events[CAEP_REVOKED], { initiating_entity: 'user', reason_user: { en: 'You signed out.' } });
    t.same(Object.keys(first.events), [CAEP_REVOKED], 'one event per SET');

    const forged = receiver.received[0].body.replace(/\.[^.]+$/, `.${Buffer.alloc(64).toString('base64url')}`);
    await t.rejects(jwtVerify(forged, keys, { issuer: ISSUER, audience: receiver.url }), 'a forged signature does not verify');
  });
}

t.test('transmitter metadata; without a signing key, no caep endpoint and an empty key set', async (t) => {
  const withKey = await buildEventsApp(t, { background: false, env: { EVENTS_SIGNING_KEY: pem('ec'), EVENTS_ISSUER: `${ISSUER}/` } });
  const metadata = (await withKey.app.inject({ method: 'GET', url: '/.well-known/ssf-configuration' })).json();
  t.same(metadata, {
    spec_version: '1_0',
    issuer: ISSUER,
    jwks_uri: `${ISSUER}/.well-known/jwks.json`,
    delivery_methods_supported: ['urn:ietf:rfc:8935'],
    critical_subject_members: ['session'],
    default_subjects: 'ALL',
  });

  const without = await buildEventsApp(t, { background: false });
  t.same((await without.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json(), { keys: [] });
  const refused = await call(without.app, without.manage, {
    method: 'POST',
    url: '/v1/webhooks',
    payload: { url: 'http://127.0.0.1:9/x', format: 'caep' },
  });
  t.equal(refused.statusCode, 409);
  t.match(refused.json(), { code: 'events_not_configured', detail: /EVENTS_SIGNING_KEY/ });
  const standard = await call(without.app, without.manage, {
    method: 'POST',
    url: '/v1/webhooks',
    payload: { url: 'http://127.0.0.1:9/x' },
  });
  t.equal(standard.statusCode, 201, 'standard endpoints need no signing key');

  const other = await call(withKey.app, withKey.manage, {
    method: 'POST',
    url: '/v1/webhooks',
    payload: { url: 'http://127.0.0.1:9/x', format: 'caep', events: ['session.created'] },
  });
  t.equal(other.statusCode, 400, 'a caep endpoint cannot ask for other events');
  t.match(other.json(), { code: 'validation_failed', errors: [{ path: 'body/events' }] });
  const caep = await createWebhook(withKey.app, withKey.manage, { url: 'http://127.0.0.1:9/x', format: 'caep', events: ['session.ended'] });
  const changed = await call(withKey.app, withKey.manage, {
    method: 'PATCH',
    url: `/v1/webhooks/${caep.endpoint.id}`,
    payload: { events: ['session.flagged'] },
  });
  t.equal(changed.statusCode, 400, 'nor be changed to');
});
