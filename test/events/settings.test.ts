import { generateKeyPairSync } from 'node:crypto';
import t from 'tap';
import { ConfigError, loadConfig } from '../../src/config.js';

// The events variables, validated with the rest of the configuration: bad values stop the start
// with a message naming the variable.

const base = { NODE_ENV: 'test', DATABASE_URL: 'postgres://x@127.0.0.1/db', JWT_SECRET: 'x'.repeat(32) };
const problems = (env: Record<string, string>): string[] => {
  try {
    loadConfig({ ...base, ...env });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

t.test('defaults', async (t) => {
  const { events } = loadConfig({ ...base, HOST: '127.0.0.1', PORT: '3000' });
  t.same(events.retryScheduleMs, [5000, 60000, 300000, 1800000, 3600000, 10800000, 21600000, 43200000, 86400000, 86400000]);
  const total = events.retryScheduleMs.reduce((a, b) => a + b, 0) / 3_600_000;
  t.ok(total > 60 && total < 80, `retries over about three days (${total.toFixed(1)} h)`);
  t.match(events, {
    allowPrivateNetworks: false,
    httpsOnly: false,
    timeoutMs: 10000,
    concurrency: 32,
    secretsKey: null,
    signingKey: null,
    issuer: 'http://127.0.0.1:3000',
    retentionSeconds: 604800,
  });
  t.equal(loadConfig({ ...base, NODE_ENV: 'production' }).events.httpsOnly, true, 'https only in production');
  t.equal(
    loadConfig({ ...base, NODE_ENV: 'production', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' }).events.httpsOnly,
    false,
    'unless private networks are allowed',
  );
});

t.test('values accepted and refused', async (t) => {
  t.same(loadConfig({ ...base, WEBHOOK_RETRY_SCHEDULE: '250ms,2s,1m', EVENT_RETENTION: '1h' }).events.retryScheduleMs, [250, 2000, 60000]);
  t.match(problems({ WEBHOOK_RETRY_SCHEDULE: '5s,,1m' }), [/^WEBHOOK_RETRY_SCHEDULE must be the waits before each retry/]);
  t.match(problems({ WEBHOOK_RETRY_SCHEDULE: Array(31).fill('1s').join(',') }), [/^WEBHOOK_RETRY_SCHEDULE/]);
  t.match(problems({ EVENT_RETENTION: '30m' }), [/^EVENT_RETENTION must be a duration of at least 1h/]);
  t.match(problems({ EVENT_RETENTION: '2d' }), [/^EVENT_RETENTION \(2d\) must be longer than the whole WEBHOOK_RETRY_SCHEDULE \(71h\)/]);
  t.match(problems({ WEBHOOK_SECRETS_KEY: 'c2hvcnQ=' }), [/^WEBHOOK_SECRETS_KEY must be 32 random bytes/]);
  t.match(problems({ WEBHOOK_SECRETS_KEY: Buffer.alloc(48).toString('base64') }), [
    /^WEBHOOK_SECRETS_KEY must be 32 random bytes in base64/,
  ]);
  t.same(problems({ WEBHOOK_SECRETS_KEY: Buffer.alloc(32, 7).toString('base64') }), []);
  t.match(problems({ WEBHOOK_TIMEOUT_MS: '0' }), [/^WEBHOOK_TIMEOUT_MS must be a whole number from 100 to 60000/]);
  t.match(problems({ EVENTS_ISSUER: 'registry.example.com' }), [/^EVENTS_ISSUER must be the public https:\/\/ URL/]);

  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  t.match(problems({ EVENTS_SIGNING_KEY: rsa }), [
    /^EVENTS_SIGNING_KEY must be an EC P-256 \(ES256\) or Ed25519 \(EdDSA\) private key \(got rsa\)/,
  ]);
  t.match(problems({ EVENTS_SIGNING_KEY: 'not a key' }), [/^EVENTS_SIGNING_KEY must be a PEM private key/]);
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  t.match(problems({ EVENTS_SIGNING_KEY: p384 }), [/^EVENTS_SIGNING_KEY must be an EC P-256/]);
  const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  t.equal(
    loadConfig({ ...base, EVENTS_SIGNING_KEY: ed.replace(/\n/g, '\\n') }).events.signingKey?.trim(),
    ed.trim(),
    'a PEM with literal \\n is read as lines',
  );
});
