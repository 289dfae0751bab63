import { Type, type Static, type TSchema } from '@sinclair/typebox';
import envSchema from 'env-schema';
import { parseUserAgentPatterns } from './enrich/user-agent/patterns.js';
import { EVENTS_ENV, eventsConfig, type EventsConfig } from './events/settings.js';
import { LIMIT_POLICIES, type LimitPolicy } from './sessions/vocabulary.js';
import { literalUnion } from './typebox.js';

// Every setting comes from the environment and is checked here, once, before anything starts:
// env-schema validates the variables against one TypeBox schema (each property's description says
// what a valid value is), then the rules that span variables are checked. loadConfig is pure: it
// reads only the object it is given and reports every problem at once, so an operator fixes them
// in one go.

export const JWT_ALGORITHMS = ['HS256', 'HS384', 'HS512', 'RS256', 'ES256', 'EdDSA'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const DURATION = '^\\d{1,9}[smhdw]?$';
const DATE_TIME = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2})$';
const BOOLEAN = '^(?:1|0|[Tt]rue|TRUE|[Ff]alse|FALSE|[Yy]es|YES|[Nn]o|NO|[Oo]n|ON|[Oo]ff|OFF)$';

const whole = (min: number, max: number, fallback: number) =>
  Type.Integer({ minimum: min, maximum: max, default: fallback, description: `a whole number from ${min} to ${max}` });
const duration = (fallback: string, minSeconds: number) =>
  Type.String({ pattern: DURATION, default: fallback, description: `a duration of at least ${minSeconds}s such as 3600, 30m, 12h or 14d` });
const oneOf = <T extends readonly string[]>(values: T, fallback?: T[number]) =>
  literalUnion(values, { ...(fallback ? { default: fallback } : {}), description: `one of ${values.join(', ')}` });
const text = (fallback?: string) => Type.String({ minLength: 1, ...(fallback !== undefined ? { default: fallback } : {}), description: 'a non-empty text' });
const flag = (fallback: boolean) => Type.String({ pattern: BOOLEAN, default: String(fallback), description: 'true or false' });

const EnvSchema = Type.Object({
  NODE_ENV: text('development'),
  PORT: whole(0, 65535, 3000),
  HOST: text('127.0.0.1'),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', description: 'a postgres:// or postgresql:// connection string' })),
  DATA_DIR: text('.data'),
  JWT_ALGORITHM: Type.Optional(oneOf(JWT_ALGORITHMS)),
  JWT_SECRET: Type.Optional(text()),
  JWT_PUBLIC_KEY: Type.Optional(text()),
  JWT_PRIVATE_KEY: Type.Optional(text()),
  JWT_PREVIOUS_SECRET: Type.Optional(text()),
  JWT_PREVIOUS_PUBLIC_KEY: Type.Optional(text()),
  JWT_PREVIOUS_KEY_UNTIL: Type.Optional(Type.String({ pattern: DATE_TIME, description: 'an ISO 8601 date-time such as 2027-01-31T00:00:00Z' })),
  SERVICE_TOKEN_MAX_AGE: duration('24h', 60),
  JWT_ISSUER: text('session-registry'),
  JWT_AUDIENCE: text('session-registry'),
  GEOIP_CITY_DB: Type.Optional(Type.String({ pattern: '^[^,]+(,[^,]+)*$', description: 'one path, or several separated by commas, with no empty entry' })),
  GEOIP_ASN_DB: Type.Optional(text()),
  GEOIP_DIR: Type.Optional(text()),
  MAXMIND_ACCOUNT_ID: Type.Optional(Type.String({ pattern: '^\\d{1,12}$', description: 'the numeric account id shown on the MaxMind account page' })),
  MAXMIND_LICENSE_KEY: Type.Optional(Type.String({ pattern: '^[\\x21-\\x7e]{8,128}$', description: 'the license key as MaxMind shows it (8 to 128 printable characters, no spaces)' })),
  GEOIP_CITY_EDITION: Type.String({ pattern: '^[A-Za-z0-9-]{0,63}(City|Enterprise)[A-Za-z0-9-]{0,63}$', default: 'GeoLite2-City', description: 'a MaxMind City edition id such as GeoLite2-City or GeoIP2-City' }),
  GEOIP_ASN_EDITION: Type.String({ pattern: '^([A-Za-z0-9-]{0,63}(ASN|ISP)[A-Za-z0-9-]{0,63}|none|NONE)$', default: 'GeoLite2-ASN', description: 'a MaxMind ASN edition id such as GeoLite2-ASN, or none' }),
  GEOIP_UPDATE_INTERVAL: duration('1d', 3600),
  GEOIP_DOWNLOAD_URL: Type.String({ pattern: '^https?://', default: 'https://download.maxmind.com', description: 'an http(s) URL' }),
  USER_AGENT_PATTERNS: Type.Optional(text()),
  SESSION_IDLE_TIMEOUT: duration('14d', 60),
  SESSION_MAX_AGE: duration('90d', 60),
  SESSION_HISTORY_RETENTION: duration('90d', 3600),
  SESSION_LIFETIME_LIMIT: duration('400d', 60),
  SESSION_MAX_PER_USER: whole(0, 100000, 100),
  SESSION_LIMIT_POLICY: oneOf(LIMIT_POLICIES, 'evict_oldest'),
  IP_RETENTION: duration('30d', 3600),
  TRUST_PROXY: Type.String({ default: 'false', description: 'false, true, a hop count, or a comma-separated list of addresses/CIDRs' }),
  LOG_LEVEL: oneOf(LOG_LEVELS, 'info'),
  MIGRATE_ON_START: flag(true),
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16, description: 'a secret of at least 16 characters' })),
  METRICS_PORT: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'a port number from 1 to 65535' })),
  METRICS_HOST: Type.Optional(text()),
  SWEEP_INTERVAL_SECONDS: whole(1, 86400, 30),
  ACTIVITY_FLUSH_INTERVAL_MS: whole(10, 60000, 1000),
  STATE_CACHE_MAX_MB: whole(1, 65536, 512),
  DATABASE_POOL_SIZE: whole(1, 500, 10),
  DATABASE_MAX_QUEUE: whole(1, 100000, 100),
  DATABASE_STATEMENT_TIMEOUT_MS: whole(100, 600000, 5000),
  BODY_LIMIT_BYTES: whole(1024, 10485760, 65536),
  RATE_LIMIT_PER_MINUTE: whole(1, 1000000, 600),
  AUTH_FAILURES_PER_MINUTE: whole(1, 1000000, 100),
  MAX_EVENT_LOOP_DELAY_MS: whole(0, 60000, 1000),
  MAX_EVENT_LOOP_UTILIZATION: Type.Number({ minimum: 0, maximum: 1, default: 0, description: 'a number from 0 to 1' }),
  ...EVENTS_ENV,
});
type Env = Static<typeof EnvSchema>;

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
  trustProxy: boolean | number | string[];
  logLevel: (typeof LOG_LEVELS)[number];
  migrateOnStart: boolean;
  metricsToken: string | null;
  /** A listener of its own for /metrics (then not served on the API port). */
  metricsListener: { port: number; host: string } | null;
  sweepIntervalSeconds: number;
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

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** "90", "90s", "15m", "12h", "14d", "2w" → seconds; null when malformed. */
export function parseDuration(value: string): number | null {
  const match = /^(\d{1,9})([smhdw]?)$/.exec(value.trim());
  if (!match) return null;
  const seconds = Number(match[1]) * UNITS[match[2] || 's'];
  return Number.isSafeInteger(seconds) ? seconds : null;
}

/**
 * Validates the variables the schema names; unset and blank ones take their defaults. Returns
 * the values and one problem per invalid variable, worded from the schema's descriptions.
 */
function validate(raw: Record<string, string | undefined>): { env: Env; problems: string[] } {
  const properties = EnvSchema.properties as Record<string, TSchema>;
  const given: Record<string, string> = {};
  for (const name of Object.keys(properties)) {
    const value = raw[name]?.trim();
    if (value) given[name] = value;
  }
  try {
    return { env: envSchema<Env>({ schema: structuredClone(EnvSchema), data: given, env: false, dotenv: false }), problems: [] };
  } catch (error) {
    const failures = (error as { errors?: Array<{ instancePath: string }> }).errors ?? [];
    const names = new Set(failures.map((f) => f.instancePath.slice(1).split('/')[0]).filter((name) => name in properties));
    const problems = [...names].map((name) => `${name} must be ${String(properties[name].description)} (got "${given[name]}")`);
    // Validate the rest as if the bad ones were unset, to report the rules that span variables too.
    const rest = Object.fromEntries(Object.entries(given).filter(([name]) => !names.has(name)));
    return { env: envSchema<Env>({ schema: structuredClone(EnvSchema), data: rest, env: false, dotenv: false }), problems };
  }
}

export function loadConfig(raw: Record<string, string | undefined> = process.env): Config {
  const { env, problems } = validate(raw);
  const seconds = (
    name: 'SESSION_IDLE_TIMEOUT' | 'SESSION_MAX_AGE' | 'SESSION_HISTORY_RETENTION' | 'SESSION_LIFETIME_LIMIT' | 'SERVICE_TOKEN_MAX_AGE' | 'IP_RETENTION' | 'GEOIP_UPDATE_INTERVAL',
    min: number,
  ): number => {
    const value = parseDuration(env[name]) as number;
    if (value >= min) return value;
    problems.push(`${name} must be a duration of at least ${min}s such as 3600, 30m, 12h or 14d (got "${env[name]}")`);
    return parseDuration(String(EnvSchema.properties[name].default)) as number;
  };

  const production = env.NODE_ENV === 'production';
  const databaseUrl = env.DATABASE_URL ?? null;
  if (production && databaseUrl === null) problems.push('DATABASE_URL is required when NODE_ENV=production (no embedded database in production)');

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
  if (trustProxy === null) problems.push(`TRUST_PROXY must be ${String(EnvSchema.properties.TRUST_PROXY.description)} (got "${env.TRUST_PROXY}")`);

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
    trustProxy: trustProxy ?? false,
    logLevel: env.LOG_LEVEL,
    migrateOnStart: /^(1|true|yes|on)$/i.test(env.MIGRATE_ON_START),
    metricsToken: env.METRICS_TOKEN ?? null,
    metricsListener: env.METRICS_PORT === undefined ? null : { port: env.METRICS_PORT, host: env.METRICS_HOST ?? env.HOST },
    sweepIntervalSeconds: env.SWEEP_INTERVAL_SECONDS,
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
  if (wrongKind !== undefined) problems.push(`${symmetric ? 'JWT_PREVIOUS_PUBLIC_KEY' : 'JWT_PREVIOUS_SECRET'} does not fit JWT_ALGORITHM=${algorithm}`);
  if (key === undefined || key === null) {
    if (env.JWT_PREVIOUS_KEY_UNTIL !== undefined) problems.push('JWT_PREVIOUS_KEY_UNTIL is set but there is no previous key (JWT_PREVIOUS_SECRET or JWT_PREVIOUS_PUBLIC_KEY)');
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
    problems.push(`${accountId === undefined ? 'MAXMIND_ACCOUNT_ID' : 'MAXMIND_LICENSE_KEY'} must be set too: MaxMind downloads need both MAXMIND_ACCOUNT_ID and MAXMIND_LICENSE_KEY`);
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
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  const valid = (item: string) => /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(item) || /^(loopback|linklocal|uniquelocal)$/.test(item);
  return list.length > 0 && list.every(valid) ? list : null;
}

/** PEM keys arrive in env vars with literal "\n" more often than not. */
function decodeKey(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  return raw.includes('\\n') ? raw.replace(/\\n/g, '\n') : raw;
}
