import { parseUserAgentPatterns } from './enrich/patterns.js';

// Every setting comes from the environment and is checked here, once, before anything starts.
// loadConfig is pure: it returns every problem at once so an operator fixes them in one go.

export const JWT_ALGORITHMS = ['HS256', 'HS384', 'HS512', 'RS256', 'ES256', 'EdDSA'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

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
  };
  geoip: GeoipConfig;
  userAgentPatterns: string | null;
  idleTimeoutSeconds: number;
  maxAgeSeconds: number;
  historyRetentionSeconds: number;
  trustProxy: boolean | number | string[];
  logLevel: (typeof LOG_LEVELS)[number];
  migrateOnStart: boolean;
  metricsToken: string | null;
  sweepIntervalSeconds: number;
  flushIntervalMs: number;
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
}

// --- GeoIP data (src/enrich/geo) -------------------------------------------------------------
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

const EDITION = /^[A-Za-z0-9-]{1,64}$/;

function loadGeoipConfig(
  get: (name: string) => string | undefined,
  duration: (name: string, fallback: string, min: number) => number,
  dataDir: string,
  problems: string[],
): GeoipConfig {
  const cityDb = get('GEOIP_CITY_DB')?.split(',').map((p) => p.trim()) ?? null;
  if (cityDb?.some((p) => p === '')) problems.push('GEOIP_CITY_DB must be one path, or several separated by commas, with no empty entry');
  const accountId = get('MAXMIND_ACCOUNT_ID');
  const licenseKey = get('MAXMIND_LICENSE_KEY');
  if ((accountId === undefined) !== (licenseKey === undefined)) {
    problems.push(`${accountId === undefined ? 'MAXMIND_ACCOUNT_ID' : 'MAXMIND_LICENSE_KEY'} must be set too: MaxMind downloads need both MAXMIND_ACCOUNT_ID and MAXMIND_LICENSE_KEY`);
  }
  if (accountId !== undefined && !/^\d{1,12}$/.test(accountId)) problems.push('MAXMIND_ACCOUNT_ID must be the numeric account id shown on the MaxMind account page');
  if (licenseKey !== undefined && !/^[\x21-\x7e]{8,128}$/.test(licenseKey)) problems.push('MAXMIND_LICENSE_KEY must be the license key as MaxMind shows it (8 to 128 printable characters, no spaces)');
  const cityEdition = get('GEOIP_CITY_EDITION') ?? 'GeoLite2-City';
  if (!EDITION.test(cityEdition) || !/City|Enterprise/.test(cityEdition)) {
    problems.push(`GEOIP_CITY_EDITION must be a MaxMind City edition id such as GeoLite2-City or GeoIP2-City (got "${cityEdition}")`);
  }
  const asnRaw = get('GEOIP_ASN_EDITION') ?? 'GeoLite2-ASN';
  const asnEdition = asnRaw.toLowerCase() === 'none' ? null : asnRaw;
  if (asnEdition !== null && (!EDITION.test(asnEdition) || !/ASN|ISP/.test(asnEdition))) {
    problems.push(`GEOIP_ASN_EDITION must be a MaxMind ASN edition id such as GeoLite2-ASN, or none (got "${asnRaw}")`);
  }
  const downloadUrl = (get('GEOIP_DOWNLOAD_URL') ?? 'https://download.maxmind.com').replace(/\/+$/, '');
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
    cityDb,
    asnDb: get('GEOIP_ASN_DB') ?? null,
    dir: get('GEOIP_DIR') ?? `${dataDir}/geoip`,
    maxmind: accountId !== undefined && licenseKey !== undefined ? { accountId, licenseKey } : null,
    cityEdition,
    asnEdition,
    updateIntervalSeconds: duration('GEOIP_UPDATE_INTERVAL', '1d', 3600),
    downloadUrl,
  };
}
// --- end of GeoIP data -------------------------------------------------------------------------

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** "90", "90s", "15m", "12h", "14d", "2w" → seconds; null when malformed. */
export function parseDuration(text: string): number | null {
  const match = /^(\d{1,9})([smhdw]?)$/.exec(text.trim());
  if (!match) return null;
  const value = Number(match[1]) * UNITS[match[2] || 's'];
  return Number.isSafeInteger(value) ? value : null;
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const get = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };
  const duration = (name: string, fallback: string, min: number): number => {
    const raw = get(name) ?? fallback;
    const value = parseDuration(raw);
    if (value === null || value < min) {
      problems.push(`${name} must be a duration of at least ${min}s such as 3600, 30m, 12h or 14d (got "${raw}")`);
      return parseDuration(fallback) as number;
    }
    return value;
  };
  const fraction = (name: string, fallback: number): number => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^(0|1|0?\.\d+)$/.test(raw) || value < 0 || value > 1) {
      problems.push(`${name} must be a number from 0 to 1 (got "${raw}")`);
      return fallback;
    }
    return value;
  };
  const boolean = (name: string, fallback: boolean): boolean => {
    const raw = get(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    problems.push(`${name} must be true or false (got "${raw}")`);
    return fallback;
  };

  const nodeEnv = get('NODE_ENV') ?? 'development';
  const production = nodeEnv === 'production';

  const databaseUrl = get('DATABASE_URL') ?? null;
  if (databaseUrl !== null && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must be a postgres:// or postgresql:// connection string');
  }
  if (production && databaseUrl === null) {
    problems.push('DATABASE_URL is required when NODE_ENV=production (no embedded database in production)');
  }

  const algorithmRaw = get('JWT_ALGORITHM') ?? (get('JWT_PUBLIC_KEY') ? 'RS256' : 'HS256');
  let algorithm: JwtAlgorithm = 'HS256';
  if ((JWT_ALGORITHMS as readonly string[]).includes(algorithmRaw)) {
    algorithm = algorithmRaw as JwtAlgorithm;
  } else {
    problems.push(`JWT_ALGORITHM must be one of ${JWT_ALGORITHMS.join(', ')} (got "${algorithmRaw}")`);
  }
  const secret = get('JWT_SECRET') ?? null;
  const publicKey = decodeKey(get('JWT_PUBLIC_KEY'));
  const privateKey = decodeKey(get('JWT_PRIVATE_KEY'));
  if (algorithm.startsWith('HS')) {
    if (publicKey) problems.push(`JWT_PUBLIC_KEY is set but JWT_ALGORITHM is ${algorithm}: set JWT_ALGORITHM to the key's algorithm`);
    if (secret !== null && Buffer.byteLength(secret) < 32) problems.push('JWT_SECRET must be at least 32 bytes long');
    if (secret === null && production) problems.push('JWT_SECRET (or JWT_PUBLIC_KEY) is required when NODE_ENV=production');
  } else if (!publicKey) {
    problems.push(`JWT_PUBLIC_KEY is required for JWT_ALGORITHM=${algorithm}`);
  }

  const trustProxyRaw = get('TRUST_PROXY') ?? 'false';
  let trustProxy: Config['trustProxy'] = false;
  if (/^(false|off|0|no)$/i.test(trustProxyRaw)) trustProxy = false;
  else if (/^(true|on|yes)$/i.test(trustProxyRaw)) trustProxy = true;
  else if (/^\d{1,2}$/.test(trustProxyRaw)) trustProxy = Number(trustProxyRaw);
  else {
    const list = trustProxyRaw.split(',').map((s) => s.trim()).filter(Boolean);
    const bad = list.filter((item) => !/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(item) && !/^(loopback|linklocal|uniquelocal)$/.test(item));
    if (bad.length > 0) problems.push(`TRUST_PROXY must be false, true, a hop count, or a comma-separated list of addresses/CIDRs (bad: ${bad.join(', ')})`);
    trustProxy = list;
  }

  const logLevel = (get('LOG_LEVEL') ?? 'info') as Config['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);

  const dataDir = get('DATA_DIR') ?? '.data';
  const config: Config = {
    nodeEnv,
    production,
    port: integer('PORT', 3000, 0, 65535),
    host: get('HOST') ?? '127.0.0.1',
    databaseUrl,
    dataDir,
    jwt: {
      algorithm,
      secret,
      publicKey,
      privateKey,
      issuer: get('JWT_ISSUER') ?? 'session-registry',
      audience: get('JWT_AUDIENCE') ?? 'session-registry',
    },
    geoip: loadGeoipConfig(get, duration, dataDir, problems),
    userAgentPatterns: get('USER_AGENT_PATTERNS') ?? null,
    idleTimeoutSeconds: duration('SESSION_IDLE_TIMEOUT', '14d', 60),
    maxAgeSeconds: duration('SESSION_MAX_AGE', '90d', 60),
    historyRetentionSeconds: duration('SESSION_HISTORY_RETENTION', '90d', 3600),
    trustProxy,
    logLevel,
    migrateOnStart: boolean('MIGRATE_ON_START', true),
    metricsToken: get('METRICS_TOKEN') ?? null,
    sweepIntervalSeconds: integer('SWEEP_INTERVAL_SECONDS', 30, 1, 86400),
    flushIntervalMs: integer('ACTIVITY_FLUSH_INTERVAL_MS', 1000, 10, 60000),
    databasePoolSize: integer('DATABASE_POOL_SIZE', 10, 1, 500),
    databaseMaxQueue: integer('DATABASE_MAX_QUEUE', 100, 1, 100000),
    statementTimeoutMs: integer('DATABASE_STATEMENT_TIMEOUT_MS', 5000, 100, 600000),
    bodyLimitBytes: integer('BODY_LIMIT_BYTES', 65536, 1024, 10485760),
    rateLimitPerMinute: integer('RATE_LIMIT_PER_MINUTE', 600, 1, 1000000),
    authFailuresPerMinute: integer('AUTH_FAILURES_PER_MINUTE', 100, 1, 1000000),
    maxEventLoopDelayMs: integer('MAX_EVENT_LOOP_DELAY_MS', 1000, 0, 60000),
    maxEventLoopUtilization: fraction('MAX_EVENT_LOOP_UTILIZATION', 0),
  };
  try {
    parseUserAgentPatterns(config.userAgentPatterns);
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (config.idleTimeoutSeconds > config.maxAgeSeconds) {
    problems.push('SESSION_IDLE_TIMEOUT must not be longer than SESSION_MAX_AGE');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** PEM keys arrive in env vars with literal "\n" more often than not. */
function decodeKey(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  return raw.includes('\\n') ? raw.replace(/\\n/g, '\n') : raw;
}
