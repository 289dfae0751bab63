import { v7 as uuidv7 } from 'uuid';
import { actorOf, type Caller } from '../auth/caller.js';
import { issueToken } from '../auth/session-tokens.js';
import { deviceKey, PARSER_VERSION, sanitizeClientHints, sanitizeUserAgent } from '../enrich/user-agent/index.js';
import { ApiError } from '../errors.js';
import type { SessionLimits, SessionsContext } from './context.js';
import type { Endings } from './endings.js';
import { bodyIp, checkLifetime, checkMetadata, cleanClient } from './input.js';
import { stateFromRow } from './live-state/state-cache.js';
import type { AdmissionLimit } from './repositories/admissions.js';
import type { EventInput } from './repositories/session-events.js';
import type { NewSessionRow } from './repositories/sessions.js';
import { SERVICE_VIEWER, toSessionResource } from './resource.js';
import { assessAgainstHistory } from './risk-history.js';
import type { CreateSessionInput, SessionResource } from './schemas.js';

/** Registers a login: derives device, location and risk, stores the session, returns it with its token. */
export type Login = ReturnType<typeof createLogin>;

/** The session limit of a login: the configured one (0: none), lowered by the login's own; null when there is none. */
export function admissionLimit(
  limits: Pick<SessionLimits, 'maxPerUser' | 'limitPolicy'>,
  requested: number | undefined,
): AdmissionLimit | null {
  const configured = limits.maxPerUser > 0 ? limits.maxPerUser : undefined;
  const max = configured === undefined ? requested : Math.min(configured, requested ?? configured);
  return max === undefined ? null : { max, deny: limits.limitPolicy === 'deny' };
}

export function createLogin(ctx: SessionsContext, endings: Endings) {
  const { repositories, cache, clock, geo, userAgents, metrics, limits, lists } = ctx;

  /** Stores the session within the user's limit; the ids of the sessions it evicted. */
  async function store(row: NewSessionRow, event: EventInput, limit: AdmissionLimit | null): Promise<string[]> {
    if (limit === null) {
      await repositories.sessions.insert(row, event);
      return [];
    }
    const admission = await endings.admit(row, event, limit);
    if (!admission.admitted) {
      throw new ApiError(
        'session_limit_reached',
        `This user already has ${limit.max} active session${limit.max === 1 ? '' : 's'}, the most allowed; end one before signing in again.`,
      );
    }
    return admission.evicted.map((ended) => ended.id);
  }

  return async function login(
    input: CreateSessionInput,
    caller: Caller,
  ): Promise<{ session: SessionResource; token: string; evicted: string[] }> {
    const ip = bodyIp(input.ip, 'ip');
    const metadata = checkMetadata(input.metadata);
    checkLifetime(input.idleTimeoutSeconds, 'idleTimeoutSeconds', limits.lifetimeLimitSeconds);
    checkLifetime(input.maxAgeSeconds, 'maxAgeSeconds', limits.lifetimeLimitSeconds);
    const idle = input.idleTimeoutSeconds ?? limits.idleTimeoutSeconds;
    const maxAge = input.maxAgeSeconds ?? limits.maxAgeSeconds;
    const now = clock.now();
    const id = uuidv7({ msecs: now.getTime() });
    const { token, hash } = issueToken(id);
    // Raw client text is cleaned before it is parsed or stored.
    const userAgent = sanitizeUserAgent(input.userAgent);
    const hints = sanitizeClientHints(input.clientHints);
    const client = cleanClient(input.client);
    const { isBot, ...agent } = userAgents.parse(userAgent, hints, client);
    const location = ip ? geo.lookup(ip) : null;
    const network = ip ? (geo.network?.(ip) ?? null) : null;
    const key = deviceKey(agent, input.deviceId ?? null);
    const risk = await assessAgainstHistory(ctx, input.userId, null, { at: now, deviceKey: key, isBot, location });
    const absoluteExpiresAt = new Date(now.getTime() + maxAge * 1000);
    const row: NewSessionRow = {
      id,
      user_id: input.userId,
      token_hash: hash,
      created_at: now,
      last_active_at: now,
      idle_timeout_seconds: idle,
      max_age_seconds: maxAge,
      absolute_expires_at: absoluteExpiresAt,
      // The earliest it can expire: the sweeper's index finds it from then on.
      expiry_check_at: new Date(Math.min(absoluteExpiresAt.getTime(), now.getTime() + idle * 1000)),
      ip,
      user_agent: userAgent,
      client_hints: hints,
      parser_version: PARSER_VERSION,
      agent,
      client_input: client,
      device_id: input.deviceId ?? null,
      device_key: key,
      location,
      network,
      risk,
      label: input.label ?? null,
      login_method: input.loginMethod ?? null,
      metadata,
    };
    const event: EventInput = {
      sessionId: id,
      userId: input.userId,
      at: now,
      type: 'login',
      actor: actorOf(caller),
      data: { ip, countryCode: location?.countryCode ?? null, flags: risk.flags },
    };
    const evicted = await store(row, event, admissionLimit(limits, input.maxActiveSessions));
    const stored = {
      ...row,
      ended_at: null,
      end_reason: null,
      page_views: '0',
      heartbeats: '0',
      name: null,
      review_state: 'unreviewed' as const,
      reviewed_at: null,
    };
    cache.fill(stateFromRow(stored), cache.generation);
    lists.changed(input.userId);
    metrics.sessionCreated();
    return {
      session: toSessionResource(stored, {
        now,
        activity: { lastActiveAt: now.getTime(), pageViews: 0, heartbeats: 0 },
        viewer: SERVICE_VIEWER,
      }),
      token,
      evicted,
    };
  };
}
