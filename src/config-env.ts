import { Type, type Static, type TSchema } from '@sinclair/typebox';
import envSchema from 'env-schema';
import { EVENTS_ENV } from './events/settings.js';
import { LIMIT_POLICIES } from './sessions/vocabulary.js';
import { literalUnion } from './typebox.js';

// The environment variables the service reads: one TypeBox schema, validated by env-schema, where
// each property's description says what a valid value is. config.ts turns the values into a Config.

export const JWT_ALGORITHMS = ['HS256', 'HS384', 'HS512', 'RS256', 'ES256', 'EdDSA'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const DURATION = '^\\d{1,9}[smhdw]?$';
const DATE_TIME = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2})$';
const BOOLEAN = '^(?:1|0|[Tt]rue|TRUE|[Ff]alse|FALSE|[Yy]es|YES|[Nn]o|NO|[Oo]n|ON|[Oo]ff|OFF)$';

const whole = (min: number, max: number, fallback: number) =>
  Type.Integer({ minimum: min, maximum: max, default: fallback, description: `a whole number from ${min} to ${max}` });
const duration = (fallback: string, minSeconds: number) =>
  Type.String({ pattern: DURATION, default: fallback, description: `a duration of at least ${minSeconds}s such as 3600, 30m, 12h or 14d` });
const oneOf = <T extends readonly string[]>(values: T, fallback?: T[number]) =>
  literalUnion(values, { ...(fallback ? { default: fallback } : {}), description: `one of ${values.join(', ')}` });
const text = (fallback?: string) =>
  Type.String({ minLength: 1, ...(fallback !== undefined ? { default: fallback } : {}), description: 'a non-empty text' });
const flag = (fallback: boolean) => Type.String({ pattern: BOOLEAN, default: String(fallback), description: 'true or false' });

export const EnvSchema = Type.Object({
  NODE_ENV: text('development'),
  PORT: whole(0, 65535, 3000),
  HOST: text('127.0.0.1'),
  DATABASE_URL: Type.Optional(
    Type.String({ pattern: '^postgres(ql)?://', description: 'a postgres:// or postgresql:// connection string' }),
  ),
  DATA_DIR: text('.data'),
  JWT_ALGORITHM: Type.Optional(oneOf(JWT_ALGORITHMS)),
  JWT_SECRET: Type.Optional(text()),
  JWT_PUBLIC_KEY: Type.Optional(text()),
  JWT_PRIVATE_KEY: Type.Optional(text()),
  JWT_PREVIOUS_SECRET: Type.Optional(text()),
  JWT_PREVIOUS_PUBLIC_KEY: Type.Optional(text()),
  JWT_PREVIOUS_KEY_UNTIL: Type.Optional(
    Type.String({ pattern: DATE_TIME, description: 'an ISO 8601 date-time such as 2027-01-31T00:00:00Z' }),
  ),
  SERVICE_TOKEN_MAX_AGE: duration('24h', 60),
  JWT_ISSUER: text('session-registry'),
  JWT_AUDIENCE: text('session-registry'),
  GEOIP_CITY_DB: Type.Optional(
    Type.String({ pattern: '^[^,]+(,[^,]+)*$', description: 'one path, or several separated by commas, with no empty entry' }),
  ),
  GEOIP_ASN_DB: Type.Optional(text()),
  GEOIP_DIR: Type.Optional(text()),
  MAXMIND_ACCOUNT_ID: Type.Optional(
    Type.String({ pattern: '^\\d{1,12}$', description: 'the numeric account id shown on the MaxMind account page' }),
  ),
  MAXMIND_LICENSE_KEY: Type.Optional(
    Type.String({
      pattern: '^[\\x21-\\x7e]{8,128}$',
      description: 'the license key as MaxMind shows it (8 to 128 printable characters, no spaces)',
    }),
  ),
  GEOIP_CITY_EDITION: Type.String({
    pattern: '^[A-Za-z0-9-]{0,63}(City|Enterprise)[A-Za-z0-9-]{0,63}$',
    default: 'GeoLite2-City',
    description: 'a MaxMind City edition id such as GeoLite2-City or GeoIP2-City',
  }),
  GEOIP_ASN_EDITION: Type.String({
    pattern: '^([A-Za-z0-9-]{0,63}(ASN|ISP)[A-Za-z0-9-]{0,63}|none|NONE)$',
    default: 'GeoLite2-ASN',
    description: 'a MaxMind ASN edition id such as GeoLite2-ASN, or none',
  }),
  GEOIP_UPDATE_INTERVAL: duration('1d', 3600),
  GEOIP_DOWNLOAD_URL: Type.String({ pattern: '^https?://', default: 'https://download.maxmind.com', description: 'an http(s) URL' }),
  USER_AGENT_PATTERNS: Type.Optional(text()),
  SESSION_IDLE_TIMEOUT: duration('14d', 60),
  SESSION_MAX_AGE: duration('90d', 60),
  SESSION_HISTORY_RETENTION: duration('90d', 3600),
  SESSION_LIFETIME_LIMIT: duration('400d', 60),
  SESSION_MAX_PER_USER: whole(0, 100000, 100),
  SESSION_LIMIT_POLICY: oneOf(LIMIT_POLICIES, 'evict_oldest'),
  /** A flagged, unreviewed session younger than this may not end, report or confirm the user's other sessions. */
  SESSION_TRUST_AFTER: duration('24h', 0),
  IP_RETENTION: duration('30d', 3600),
  TRUST_PROXY: Type.String({ default: 'false', description: 'false, true, a hop count, or a comma-separated list of addresses/CIDRs' }),
  LOG_LEVEL: oneOf(LOG_LEVELS, 'info'),
  MIGRATE_ON_START: flag(true),
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16, description: 'a secret of at least 16 characters' })),
  METRICS_PORT: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'a port number from 1 to 65535' })),
  METRICS_HOST: Type.Optional(text()),
  SWEEP_INTERVAL_SECONDS: whole(1, 86400, 30),
  // Seconds a cached session may still be answered from memory after the revocation feed is lost (0: never).
  REVOCATION_FEED_GRACE: whole(0, 3600, 30),
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
export type Env = Static<typeof EnvSchema>;

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
export function validate(raw: Record<string, string | undefined>): { env: Env; problems: string[] } {
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
