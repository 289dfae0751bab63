import t from 'tap';
import { ConfigError, loadConfig, parseDuration } from '../src/config.js';

t.test('durations', async (t) => {
  t.equal(parseDuration('90'), 90);
  t.equal(parseDuration('15m'), 900);
  t.equal(parseDuration('12h'), 43200);
  t.equal(parseDuration('14d'), 1209600);
  t.equal(parseDuration('2w'), 1209600);
  for (const bad of ['', 'd', '1.5h', '-1', '10y', '1 h']) t.equal(parseDuration(bad), null, bad);
});

t.test('defaults in development', async (t) => {
  const config = loadConfig({});
  t.equal(config.port, 3000);
  t.equal(config.host, '127.0.0.1');
  t.equal(config.databaseUrl, null);
  t.equal(config.idleTimeoutSeconds, 14 * 86400);
  t.equal(config.maxAgeSeconds, 90 * 86400);
  t.equal(config.historyRetentionSeconds, 90 * 86400);
  t.equal(config.jwt.algorithm, 'HS256');
  t.equal(config.jwt.issuer, 'session-registry');
  t.equal(config.trustProxy, false);
  t.equal(config.migrateOnStart, true);
});

t.test('every bad variable is named, all at once', async (t) => {
  const error = t.throws(() =>
    loadConfig({
      PORT: 'eighty',
      SESSION_IDLE_TIMEOUT: 'forever',
      LOG_LEVEL: 'loud',
      JWT_SECRET: 'short',
      DATABASE_URL: 'mysql://x',
      TRUST_PROXY: 'some proxies',
      USER_AGENT_PATTERNS: '[{',
    }),
  ) as ConfigError;
  t.ok(error instanceof ConfigError);
  for (const name of ['PORT', 'SESSION_IDLE_TIMEOUT', 'LOG_LEVEL', 'JWT_SECRET', 'DATABASE_URL', 'TRUST_PROXY', 'USER_AGENT_PATTERNS']) {
    t.match(error.message, name, `names ${name}`);
  }
});

t.test('production needs a database and keys', async (t) => {
  const error = t.throws(() => loadConfig({ NODE_ENV: 'production' })) as ConfigError;
  t.match(error.message, 'DATABASE_URL');
  t.match(error.message, 'JWT_SECRET');
  const ok = loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://x@y/z', JWT_SECRET: 'x'.repeat(32) });
  t.equal(ok.production, true);
  t.throws(() => loadConfig({ JWT_ALGORITHM: 'RS256' }), /JWT_PUBLIC_KEY/);
  t.throws(() => loadConfig({ JWT_ALGORITHM: 'none' }), /JWT_ALGORITHM/);
  t.throws(() => loadConfig({ SESSION_IDLE_TIMEOUT: '30d', SESSION_MAX_AGE: '7d' }), /SESSION_IDLE_TIMEOUT/);
  t.same(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy, ['10.0.0.0/8', '127.0.0.1']);
  t.equal(loadConfig({ TRUST_PROXY: '2' }).trustProxy, 2);
});

t.test('load shedding: each limit can be turned off with 0, and bad values are refused', async (t) => {
  t.equal(loadConfig({}).maxEventLoopDelayMs, 1000, 'delay limit on by default');
  t.equal(loadConfig({}).maxEventLoopUtilization, 0, 'utilisation limit off by default');
  t.equal(loadConfig({ MAX_EVENT_LOOP_DELAY_MS: '0' }).maxEventLoopDelayMs, 0);
  for (const bad of ['-1', '60001', 'soon']) {
    t.throws(() => loadConfig({ MAX_EVENT_LOOP_DELAY_MS: bad }), /MAX_EVENT_LOOP_DELAY_MS/, bad);
  }
});

t.test('account controls: session limit, its policy and address retention', async (t) => {
  const defaults = loadConfig({});
  t.same(defaults.sessionLimit, { maxPerUser: 100, policy: 'evict_oldest' });
  t.equal(defaults.ipRetentionSeconds, 30 * 86400);
  const set = loadConfig({ SESSION_MAX_PER_USER: '0', SESSION_LIMIT_POLICY: 'deny', IP_RETENTION: '7d' });
  t.same([set.sessionLimit, set.ipRetentionSeconds], [{ maxPerUser: 0, policy: 'deny' }, 7 * 86400]);
  const error = t.throws(() =>
    loadConfig({ SESSION_MAX_PER_USER: '-1', SESSION_LIMIT_POLICY: 'newest', IP_RETENTION: '10m' }),
  ) as ConfigError;
  for (const name of ['SESSION_MAX_PER_USER', 'SESSION_LIMIT_POLICY', 'IP_RETENTION']) t.match(error.message, name, `names ${name}`);
});

t.test('SESSION_TRUST_AFTER: a duration, 24h by default, 0 allowed', async (t) => {
  t.equal(loadConfig({}).trustAfterSeconds, 24 * 3600);
  t.equal(loadConfig({ SESSION_TRUST_AFTER: '90m' }).trustAfterSeconds, 90 * 60);
  t.equal(loadConfig({ SESSION_TRUST_AFTER: '0' }).trustAfterSeconds, 0);
  for (const bad of ['soon', '-1h', '1y']) t.throws(() => loadConfig({ SESSION_TRUST_AFTER: bad }), /SESSION_TRUST_AFTER/, bad);
});
