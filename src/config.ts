import { parseUserAgentPatterns } from './enrich/user-agent/patterns.js';
import { eventsConfig, type EventsConfig } from './events/settings.js';
import { EnvSchema, parseDuration, validate, type Env, type JwtAlgorithm, type LOG_LEVELS } from './config-env.js';
import type { LimitPolicy } from './sessions/vocabulary.js';

export { JWT_ALGORITHMS, parseDuration, type JwtAlgorithm } from './config-env.js';

// Every setting comes from the environment and is checked here, once, before anything starts:
// the variables are validated against one schema (config-env.ts), then the rules that span
// variables are checked. loadConfig is pure: it
// reads only the object it is given and reports every problem at once, so an operator fixes them
// in one go.

export interface Config {
  nodeEnv: string;
  production: boolean;
  port: number;
  host: string;
  databaseUrl: string | null;
  dataDir: string;
  jwt: {
    algorithm: JwtAlgorithm;
    secret: string | null;
    publicKey: string | null;
    privateKey: string | null;
    issuer: string;
    audience: string;
    /** Tokens older than this (from their iat) are refused. */
    maxAgeSeconds: number;
    /** The key being rotated out: still accepted until `until`. */
    previous: { key: string; until: Date } | null;
  };
  geoip: GeoipConfig;
  userAgentPatterns: string | null;
  idleTimeoutSeconds: number;
  maxAgeSeconds: number;
  historyRetentionSeconds: number;
  /** No session may be given a lifetime (idle or absolute) longer than this. */
  lifetimeLimitSeconds: number;
  /** Active sessions a user may hold (0: no limit), and what a login beyond it does. */
  sessionLimit: { maxPerUser: number; policy: LimitPolicy };
  /** Ended this long ago, a session's addresses are replaced by their networks. */
  ipRetentionSeconds: number;
  /** A flagged, unreviewed session younger than this may not act on the user's other sessions. */
  trustAfterSeconds: number;
  trustProxy: boolean | number | string[];
  logLevel: (typeof LOG_LEVELS)[number];
  migrateOnStart: boolean;
  metricsToken: string | null;
  /** A listener of its own for /metrics (then not served on the API port). */
  metricsListener: { port: number; host: string } | null;
  sweepIntervalSeconds: number;
  /** Seconds the state cache may answer after the revocation feed was last heard, while it is lost (0: not at all). */
  revocationFeedGraceSeconds: number;
  flushIntervalMs: number;
  /** Memory for the in-process state cache, in MiB. */
  stateCacheMaxMb: number;
  databasePoolSize: number;
  /** Requests that may wait for a database connection; more are refused with 503 at once. */
  databaseMaxQueue: number;
  statementTimeoutMs: number;
  bodyLimitBytes: number;
  rateLimitPerMinute: number;
  authFailuresPerMinute: number;
  maxEventLoopDelayMs: number;
  /** 0 = off; otherwise shed when the event loop is busy more than this share of the time. */
  maxEventLoopUtilization: number;
  /** Lifecycle events: webhooks, the feed, CAEP (src/events/settings.ts). */
  events: EventsConfig;
}

export interface GeoipConfig {
  /** GEOIP_CITY_DB: City files (comma-separated), MaxMind or ip-location-db layout; null = bundled. */
  cityDb: string[] | null;
  /** GEOIP_ASN_DB: a MaxMind ASN database; null = the bundled ASN lists. */
  asnDb: string | null;
  /** GEOIP_DIR: downloaded databases and the compiled ASN table. */
  dir: string;
  /** MAXMIND_ACCOUNT_ID + MAXMIND_LICENSE_KEY: keep City (and ASN) current from MaxMind. */
  maxmind: { accountId: string; licenseKey: string } | null;
  cityEdition: string;
  /** null when GEOIP_ASN_EDITION=none. */
  asnEdition: string | null;
  updateIntervalSeconds: number;
  downloadUrl: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(raw: Record<string, string | undefined> = process.env): Config {
  const { env, problems } = validate(raw);
  const seconds = (
    name:
      | 'SESSION_IDLE_TIMEOUT'
      | 'SESSION_MAX_AGE'
      | 'SESSION_HISTORY_RETENTION'
      | 'SESSION_LIFETIME_LIMIT'
      | 'SERVICE_TOKEN_MAX_AGE'
      | 'IP_RETENTION'
      | 'GEOIP_UPDATE_INTERVAL'
      | 'SESSION_TRUST_AFTER',
    min: number,
  ): number => {
    const value = parseDuration(env[name]) as number;
    if (value >= min) return value;
    problems.push(`${name} must be a duration of at least ${min}s such as 3600, 30m, 12h or 14d (got "${env[name]}")`);
    return parseDuration(String(EnvSchema.properties[name].default)) as number;
  };

  const production = env.NODE_ENV === 'production';
  const databaseUrl = env.DATABASE_URL ?? null;
  if (production && databaseUrl === null)
    problems.push('DATABASE_URL is required when NODE_ENV=production (no embedded database in production)');

  const publicKey = decodeKey(env.JWT_PUBLIC_KEY);
  const algorithm: JwtAlgorithm = env.JWT_ALGORITHM ?? (publicKey ? 'RS256' : 'HS256');
  const secret = env.JWT_SECRET ?? null;
  if (algorithm.startsWith('HS')) {
    if (publicKey) problems.push(`JWT_PUBLIC_KEY is set but JWT_ALGORITHM is ${algorithm}: set JWT_ALGORITHM to the key's algorithm`);
    if (secret !== null && Buffer.byteLength(secret) < 32) problems.push('JWT_SECRET must be at least 32 bytes long');
    if (secret === null && production) problems.push('JWT_SECRET (or JWT_PUBLIC_KEY) is required when NODE_ENV=production');
  } else if (!publicKey) {
    problems.push(`JWT_PUBLIC_KEY is required for JWT_ALGORITHM=${algorithm}`);
  }

  const trustProxy = parseTrustProxy(env.TRUST_PROXY);
  if (trustProxy === null)
    problems.push(`TRUST_PROXY must be ${String(EnvSchema.properties.TRUST_PROXY.description)} (got "${env.TRUST_PROXY}")`);

  const userAgentPatterns = env.USER_AGENT_PATTERNS ?? null;
  try {
    parseUserAgentPatterns(userAgentPatterns);
  } catch (error) {
    problems.push((error as Error).message);
  }

  const idleTimeoutSeconds = seconds('SESSION_IDLE_TIMEOUT', 60);
  const maxAgeSeconds = seconds('SESSION_MAX_AGE', 60);
  const lifetimeLimitSeconds = seconds('SESSION_LIFETIME_LIMIT', 60);
  if (idleTimeoutSeconds > maxAgeSeconds) problems.push('SESSION_IDLE_TIMEOUT must not be longer than SESSION_MAX_AGE');
  if (maxAgeSeconds > lifetimeLimitSeconds) problems.push('SESSION_MAX_AGE must not be longer than SESSION_LIFETIME_LIMIT');
  const previous = previousKey(env, algorithm, problems);
  const config: Config = {
    nodeEnv: env.NODE_ENV,
    production,
    port: env.PORT,
    host: env.HOST,
    databaseUrl,
    dataDir: env.DATA_DIR,
    jwt: {
      algorithm,
      secret,
      publicKey,
      privateKey: decodeKey(env.JWT_PRIVATE_KEY),
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      maxAgeSeconds: seconds('SERVICE_TOKEN_MAX_AGE', 60),
      previous,
    },
    geoip: geoipConfig(env, seconds('GEOIP_UPDATE_INTERVAL', 3600), problems),
    userAgentPatterns,
    idleTimeoutSeconds,
    maxAgeSeconds,
    historyRetentionSeconds: seconds('SESSION_HISTORY_RETENTION', 3600),
    lifetimeLimitSeconds,
    sessionLimit: { maxPerUser: env.SESSION_MAX_PER_USER, policy: env.SESSION_LIMIT_POLICY },
    ipRetentionSeconds: seconds('IP_RETENTION', 3600),
    trustAfterSeconds: seconds('SESSION_TRUST_AFTER', 0),
    trustProxy: trustProxy ?? false,
    logLevel: env.LOG_LEVEL,
    migrateOnStart: /^(1|true|yes|on)$/i.test(env.MIGRATE_ON_START),
    metricsToken: env.METRICS_TOKEN ?? null,
    metricsListener: env.METRICS_PORT === undefined ? null : { port: env.METRICS_PORT, host: env.METRICS_HOST ?? env.HOST },
    sweepIntervalSeconds: env.SWEEP_INTERVAL_SECONDS,
    revocationFeedGraceSeconds: env.REVOCATION_FEED_GRACE,
    flushIntervalMs: env.ACTIVITY_FLUSH_INTERVAL_MS,
    stateCacheMaxMb: env.STATE_CACHE_MAX_MB,
    databasePoolSize: env.DATABASE_POOL_SIZE,
    databaseMaxQueue: env.DATABASE_MAX_QUEUE,
    statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
    authFailuresPerMinute: env.AUTH_FAILURES_PER_MINUTE,
    maxEventLoopDelayMs: env.MAX_EVENT_LOOP_DELAY_MS,
    maxEventLoopUtilization: env.MAX_EVENT_LOOP_UTILIZATION,
    events: eventsConfig(env, problems),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** The key being rotated out (JWT_PREVIOUS_SECRET or JWT_PREVIOUS_PUBLIC_KEY, until JWT_PREVIOUS_KEY_UNTIL). */
function previousKey(env: Env, algorithm: JwtAlgorithm, problems: string[]): Config['jwt']['previous'] {
  const symmetric = algorithm.startsWith('HS');
  const key = symmetric ? env.JWT_PREVIOUS_SECRET : decodeKey(env.JWT_PREVIOUS_PUBLIC_KEY);
  const wrongKind = symmetric ? env.JWT_PREVIOUS_PUBLIC_KEY : env.JWT_PREVIOUS_SECRET;
  if (wrongKind !== undefined)
    problems.push(`${symmetric ? 'JWT_PREVIOUS_PUBLIC_KEY' : 'JWT_PREVIOUS_SECRET'} does not fit JWT_ALGORITHM=${algorithm}`);
  if (key === undefined || key === null) {
    if (env.JWT_PREVIOUS_KEY_UNTIL !== undefined)
      problems.push('JWT_PREVIOUS_KEY_UNTIL is set but there is no previous key (JWT_PREVIOUS_SECRET or JWT_PREVIOUS_PUBLIC_KEY)');
    return null;
  }
  if (symmetric && Buffer.byteLength(key) < 32) problems.push('JWT_PREVIOUS_SECRET must be at least 32 bytes long');
  if (env.JWT_PREVIOUS_KEY_UNTIL === undefined) {
    problems.push('JWT_PREVIOUS_KEY_UNTIL is required with a previous key: the moment the old key stops being accepted');
    return null;
  }
  const until = new Date(env.JWT_PREVIOUS_KEY_UNTIL);
  if (Number.isNaN(until.getTime())) {
    problems.push(`JWT_PREVIOUS_KEY_UNTIL must be a valid date-time (got "${env.JWT_PREVIOUS_KEY_UNTIL}")`);
    return null;
  }
  return { key, until };
}

function geoipConfig(env: Env, updateIntervalSeconds: number, problems: string[]): GeoipConfig {
  const accountId = env.MAXMIND_ACCOUNT_ID;
  const licenseKey = env.MAXMIND_LICENSE_KEY;
  if ((accountId === undefined) !== (licenseKey === undefined)) {
    problems.push(
      `${accountId === undefined ? 'MAXMIND_ACCOUNT_ID' : 'MAXMIND_LICENSE_KEY'} must be set too: MaxMind downloads need both MAXMIND_ACCOUNT_ID and MAXMIND_LICENSE_KEY`,
    );
  }
  const downloadUrl = env.GEOIP_DOWNLOAD_URL.replace(/\/+$/, '');
  let url: URL | null = null;
  try {
    url = new URL(downloadUrl);
  } catch {
    problems.push(`GEOIP_DOWNLOAD_URL must be an http(s) URL (got "${downloadUrl}")`);
  }
  // The license key travels in every request: plain HTTP only to this machine.
  if (url && !(url.protocol === 'https:' || (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)))) {
    problems.push(`GEOIP_DOWNLOAD_URL must be https:// (http:// only to 127.0.0.1, localhost or [::1]) (got "${downloadUrl}")`);
  }
  return {
    cityDb: env.GEOIP_CITY_DB?.split(',').map((p) => p.trim()) ?? null,
    asnDb: env.GEOIP_ASN_DB ?? null,
    dir: env.GEOIP_DIR ?? `${env.DATA_DIR}/geoip`,
    maxmind: accountId !== undefined && licenseKey !== undefined ? { accountId, licenseKey } : null,
    cityEdition: env.GEOIP_CITY_EDITION,
    asnEdition: env.GEOIP_ASN_EDITION.toLowerCase() === 'none' ? null : env.GEOIP_ASN_EDITION,
    updateIntervalSeconds,
    downloadUrl,
  };
}

/** false, true, a hop count, or addresses/CIDRs and proxy-addr's names; null when malformed. */
function parseTrustProxy(value: string): Config['trustProxy'] | null {
  if (/^(false|off|0|no)$/i.test(value)) return false;
  if (/^(true|on|yes)$/i.test(value)) return true;
  if (/^\d{1,2}$/.test(value)) return Number(value);
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const valid = (item: string) => /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(item) || /^(loopback|linklocal|uniquelocal)$/.test(item);
  return list.length > 0 && list.every(valid) ? list : null;
}

/** PEM keys arrive in env vars with literal "\n" more often than not. */
function decodeKey(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  return raw.includes('\\n') ? raw.replace(/\\n/g, '\n') : raw;
}
