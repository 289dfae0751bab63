import { createPrivateKey } from 'node:crypto';
import { Type, type Static, type TObject } from '@sinclair/typebox';

// The variables of the events feature, as part of the one configuration schema (src/config.ts
// spreads EVENTS_ENV into it and calls eventsConfig), and the rules across them.

const BOOLEAN = '^(?:1|0|[Tt]rue|TRUE|[Ff]alse|FALSE|[Yy]es|YES|[Nn]o|NO|[Oo]n|ON|[Oo]ff|OFF)$';
const STEP = '\\d{1,9}(?:ms|[smhdw])?';
const UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
/** A retry schedule longer than this is refused: each delivery keeps one log entry per attempt. */
const MAX_ATTEMPTS = 30;
export const DEFAULT_RETRY_SCHEDULE = '5s,1m,5m,30m,1h,3h,6h,12h,24h,24h';

const whole = (min: number, max: number, fallback: number) =>
  Type.Integer({ minimum: min, maximum: max, default: fallback, description: `a whole number from ${min} to ${max}` });

export const EVENTS_ENV = {
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: Type.String({ pattern: BOOLEAN, default: 'false', description: 'true or false' }),
  WEBHOOK_RETRY_SCHEDULE: Type.String({
    pattern: `^${STEP}(?:,${STEP}){0,${MAX_ATTEMPTS - 1}}$`,
    default: DEFAULT_RETRY_SCHEDULE,
    description: `the waits before each retry, comma-separated durations such as 5s,1m,1h,1d (ms, s, m, h, d or w; at most ${MAX_ATTEMPTS})`,
  }),
  WEBHOOK_TIMEOUT_MS: whole(100, 60000, 10000),
  WEBHOOK_CONCURRENCY: whole(1, 1000, 32),
  WEBHOOK_POLL_INTERVAL_MS: whole(10, 60000, 250),
  WEBHOOK_SECRETS_KEY: Type.Optional(
    Type.String({ pattern: '^[A-Za-z0-9+/_-]{43}=?$', description: '32 random bytes in base64, e.g. from `openssl rand -base64 32`' }),
  ),
  EVENTS_SIGNING_KEY: Type.Optional(
    Type.String({ minLength: 1, description: 'a PEM private key (EC P-256 for ES256, or Ed25519 for EdDSA)' }),
  ),
  EVENTS_ISSUER: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$', description: 'the public https:// URL of this registry' })),
  EVENT_RETENTION: Type.String({
    pattern: '^\\d{1,9}[smhdw]?$',
    default: '7d',
    description: 'a duration of at least 1h such as 3600, 12h or 7d',
  }),
};
type EventsEnv = Static<TObject<typeof EVENTS_ENV>>;

export interface EventsConfig {
  /** WEBHOOK_ALLOW_PRIVATE_NETWORKS: endpoints may be on loopback, private or link-local addresses. */
  allowPrivateNetworks: boolean;
  /** Production without WEBHOOK_ALLOW_PRIVATE_NETWORKS: endpoint URLs must be https. */
  httpsOnly: boolean;
  /** Waits before each retry; one attempt more than its length, then the delivery has failed. */
  retryScheduleMs: number[];
  timeoutMs: number;
  concurrency: number;
  pollIntervalMs: number;
  /** AES-256 key the endpoints' signing secrets are stored under (null: no endpoints can be made). */
  secretsKey: Buffer | null;
  /** PEM of the key SETs are signed with (null: no CAEP endpoints). */
  signingKey: string | null;
  issuer: string;
  retentionSeconds: number;
}

/** "250ms", "5s", "1h", "3d" → milliseconds (a bare number is seconds); null when malformed. */
export function parseDurationMs(text: string): number | null {
  const match = /^(\d{1,9})(ms|[smhdw])?$/.exec(text.trim());
  if (!match) return null;
  const ms = Number(match[1]) * UNITS_MS[match[2] ?? 's'];
  return Number.isSafeInteger(ms) ? ms : null;
}

export function eventsConfig(env: EventsEnv & { NODE_ENV: string; HOST: string; PORT: number }, problems: string[]): EventsConfig {
  const production = env.NODE_ENV === 'production';
  const allowPrivateNetworks = /^(1|true|yes|on)$/i.test(env.WEBHOOK_ALLOW_PRIVATE_NETWORKS);
  const retryScheduleMs = env.WEBHOOK_RETRY_SCHEDULE.split(',').map((step) => parseDurationMs(step) ?? 0);
  const retentionMs = parseDurationMs(env.EVENT_RETENTION) ?? 0;
  if (retentionMs < 3_600_000)
    problems.push(`EVENT_RETENTION must be a duration of at least 1h such as 3600, 12h or 7d (got "${env.EVENT_RETENTION}")`);
  const retrying = retryScheduleMs.reduce((sum, ms) => sum + ms, 0);
  // An event purged while a delivery still retries would take the delivery with it.
  if (retentionMs >= 3_600_000 && retrying >= retentionMs) {
    problems.push(
      `EVENT_RETENTION (${env.EVENT_RETENTION}) must be longer than the whole WEBHOOK_RETRY_SCHEDULE (${Math.ceil(retrying / 3_600_000)}h)`,
    );
  }
  const secretsKey = env.WEBHOOK_SECRETS_KEY === undefined ? null : Buffer.from(env.WEBHOOK_SECRETS_KEY, 'base64');
  if (secretsKey !== null && secretsKey.length !== 32)
    problems.push('WEBHOOK_SECRETS_KEY must be 32 random bytes in base64, e.g. from `openssl rand -base64 32`');
  const signingKey = env.EVENTS_SIGNING_KEY === undefined ? null : env.EVENTS_SIGNING_KEY.replace(/\\n/g, '\n');
  if (signingKey !== null) {
    const problem = signingKeyProblem(signingKey);
    if (problem) problems.push(`EVENTS_SIGNING_KEY ${problem}`);
  }
  return {
    allowPrivateNetworks,
    httpsOnly: production && !allowPrivateNetworks,
    retryScheduleMs,
    timeoutMs: env.WEBHOOK_TIMEOUT_MS,
    concurrency: env.WEBHOOK_CONCURRENCY,
    pollIntervalMs: env.WEBHOOK_POLL_INTERVAL_MS,
    secretsKey,
    signingKey,
    issuer: (env.EVENTS_ISSUER ?? `http://${env.HOST}:${env.PORT}`).replace(/\/+$/, ''),
    retentionSeconds: Math.floor(retentionMs / 1000),
  };
}

/** Why a PEM cannot sign SETs, or null when it can. */
export function signingKeyProblem(pem: string): string | null {
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType === 'ed25519') return null;
    if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return null;
    return `must be an EC P-256 (ES256) or Ed25519 (EdDSA) private key (got ${key.asymmetricKeyType ?? 'an unknown type'})`;
  } catch {
    return 'must be a PEM private key (EC P-256 or Ed25519)';
  }
}
