import type { Clock } from '../clock.js';
import type { ClientInput, GeoLookup, Location } from '../enrich/types.js';
import { ApiError, notFound } from '../errors.js';
import { canonicalIp } from '../enrich/ip.js';
import { deviceKey, PARSER_VERSION, sanitizeClientHints, sanitizeUserAgent, type UserAgentParser } from '../enrich/user-agent.js';
import { assessRisk, type RiskHistoryItem } from '../risk/assess.js';
import type { ActivityBuffer } from './activity-buffer.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { expiresAtMs, expiryReason, lifetimeOf, stateFromRow, toEventDto, toSessionDto, type DtoRow, type SessionDto } from './dto.js';
import type { EndedListener } from './ended-listener.js';
import type { ListStatus, SessionRepository, SessionEventInput } from './repository.js';
import type { CreateSessionInput, HeartbeatInput } from './schemas.js';
import type { SessionState, StateCache } from './state-cache.js';
import type { SessionRow } from '../db/types.js';
import { issueToken, sessionIdFromToken, tokenMatches } from './token.js';
import { uuidv7 } from './uuid.js';
import type { Metrics } from '../health/metrics.js';

export interface SessionServiceDeps {
  repo: SessionRepository;
  cache: StateCache;
  buffer: ActivityBuffer;
  listener: EndedListener;
  clock: Clock;
  geo: GeoLookup;
  userAgents: UserAgentParser;
  metrics: Metrics;
  defaults: { idleTimeoutSeconds: number; maxAgeSeconds: number; historyRetentionSeconds: number };
}

/** Who is asking: a service (sees everything) or a user through one of their sessions. */
export type Caller = { kind: 'service'; subject: string } | { kind: 'user'; userId: string; sessionId: string };

const METADATA_MAX_BYTES = 4096;

function parseIp(raw: string | undefined, field: string): string | null {
  if (raw === undefined) return null;
  const ip = canonicalIp(raw);
  if (ip === null) {
    throw new ApiError('validation_failed', `${field} is not a valid IP address.`, { errors: [{ path: `body/${field}`, message: 'must be a bare IPv4 or IPv6 address' }] });
  }
  return ip;
}

const CONTROL = /[\u0000-\u001f\u007f]/g;
const cleanClient = (client: ClientInput): ClientInput => ({
  kind: client.kind,
  name: client.name?.replace(CONTROL, '').trim() || undefined,
  version: client.version?.replace(CONTROL, '').trim() || undefined,
});

export interface HeartbeatAnswer {
  id: string;
  userId: string;
  status: 'active';
  expiresAt: string;
}

const heartbeatAnswer = (state: SessionState): HeartbeatAnswer => ({
  id: state.id,
  userId: state.userId,
  status: 'active',
  expiresAt: new Date(expiresAtMs(state)).toISOString(),
});

const actorOf = (caller: Caller) => (caller.kind === 'service' ? `service:${caller.subject}` : `user:${caller.sessionId}`);

export function createSessionService(deps: SessionServiceDeps) {
  const { repo, cache, buffer, listener, clock, geo, userAgents, metrics } = deps;

  /** The hot-path view of a session: from memory when the revocation feed is live, else the database. */
  async function loadState(id: string): Promise<SessionState | undefined> {
    if (listener.trusted) {
      const cached = cache.get(id);
      if (cached) return cached;
    }
    const generation = cache.generation;
    const trustedAtRead = listener.trusted;
    const row = await repo.findStateById(id);
    if (!row) return undefined;
    const state = stateFromRow(row);
    const pending = buffer.pending(id);
    if (pending && pending.lastActiveAt.getTime() > state.lastActiveAt) state.lastActiveAt = pending.lastActiveAt.getTime();
    if (trustedAtRead && listener.trusted) cache.fill(state, generation);
    // An end seen while the read was in flight is the truth, whatever the read returned.
    const end = cache.endedInfo(id);
    if (end && state.endedAt === null) {
      state.endedAt = end.endedAt;
      state.endReason = end.reason;
    }
    return state;
  }

  /** Ends a session now because its lifetime ran out, and returns the reason. */
  async function settleExpiry(state: SessionState, nowMs: number): Promise<string | null> {
    let reason = expiryReason(state, nowMs);
    if (reason === 'idle_timeout') {
      // Another instance may have seen activity this one has not: ask the database before ending.
      const fresh = await repo.findStateById(state.id);
      if (fresh) {
        const freshState = stateFromRow(fresh);
        if (freshState.endedAt !== null) {
          cache.markEnded(state.id, freshState.endedAt, freshState.endReason ?? 'revoked');
          state.endedAt = freshState.endedAt;
          state.endReason = freshState.endReason;
          return freshState.endReason;
        }
        state.lastActiveAt = Math.max(state.lastActiveAt, freshState.lastActiveAt);
        reason = expiryReason(state, nowMs);
      }
    }
    if (!reason) return null;
    const ended = await repo.expireForUser(state.userId, new Date(nowMs), buffer.pendingIds());
    for (const row of ended) cache.markEnded(row.id, (row.ended_at as Date).getTime(), row.end_reason as string);
    metrics.sessionsEnded(ended.map((r) => r.end_reason as string));
    // Seen as ended at once, whether or not this call was the one that wrote it.
    const end = cache.endedInfo(state.id);
    state.endedAt = end?.endedAt ?? expiresAtMs(state);
    state.endReason = end?.reason ?? reason;
    return state.endReason;
  }

  function isExpired(row: DtoRow, now: Date): boolean {
    const state = lifetimeOf(row);
    const pending = buffer.pending(row.id);
    if (pending && pending.lastActiveAt.getTime() > state.lastActiveAt) state.lastActiveAt = pending.lastActiveAt.getTime();
    return row.ended_at === null && expiryReason(state, now.getTime()) !== null;
  }

  function ownedBy(state: SessionState | { user_id: string } | undefined, caller: Caller): boolean {
    if (!state) return false;
    if (caller.kind === 'service') return true;
    const owner = 'userId' in state ? state.userId : state.user_id;
    return owner === caller.userId;
  }

  async function view(id: string, caller: Caller): Promise<SessionDto> {
    const row = await repo.findById(id);
    if (!row || !ownedBy(row, caller)) throw notFound();
    const now = clock.now();
    if (row.ended_at === null && expiryReason(stateFromRow(row), now.getTime())) {
      await settleExpiry(stateFromRow(row), now.getTime());
    }
    return toSessionDto(row, {
      now,
      pending: buffer.pending(id),
      current: caller.kind === 'user' ? row.id === caller.sessionId : undefined,
    });
  }

  async function assessFor(
    userId: string,
    excludeId: string | null,
    candidate: { at: Date; deviceKey: string; isBot: boolean; location: Location | null },
    extra: RiskHistoryItem[] = [],
  ) {
    const rows = await repo.historyForUser(userId, excludeId, 500);
    const history: RiskHistoryItem[] = extra.concat(rows.map((r) => ({
      id: r.id,
      createdAt: r.created_at,
      lastActiveAt: r.last_active_at,
      endedAt: r.ended_at,
      deviceKey: r.device_key,
      location: r.location,
    })));
    return assessRisk(candidate, history);
  }

  return {
    async create(input: CreateSessionInput, caller: Caller): Promise<{ session: SessionDto; token: string }> {
      const ip = parseIp(input.ip, 'ip');
      const metadataJson = JSON.stringify(input.metadata ?? {});
      if (Buffer.byteLength(metadataJson) > METADATA_MAX_BYTES) {
        throw new ApiError('validation_failed', `metadata must serialise to at most ${METADATA_MAX_BYTES} bytes.`);
      }
      if (metadataJson.includes('\\u0000')) throw new ApiError('validation_failed', 'metadata must not contain NUL characters.');
      const idle = input.idleTimeoutSeconds ?? deps.defaults.idleTimeoutSeconds;
      const maxAge = input.maxAgeSeconds ?? deps.defaults.maxAgeSeconds;
      const now = clock.now();
      const id = uuidv7(now.getTime());
      const { token, hash } = issueToken(id);
      // Raw client text is cleaned before it is parsed or stored (PostgreSQL refuses NUL in text and jsonb).
      const userAgent = sanitizeUserAgent(input.userAgent);
      const hints = sanitizeClientHints(input.clientHints);
      const client = input.client ? cleanClient(input.client) : null;
      const agent = userAgents.parse(userAgent, hints, client);
      const { isBot, ...info } = agent;
      const location = ip ? geo.lookup(ip) : null;
      const network = ip ? (geo.network?.(ip) ?? null) : null;
      const key = deviceKey(info, input.deviceId ?? null);
      const risk = await assessFor(input.userId, null, { at: now, deviceKey: key, isBot, location });
      const events: SessionEventInput = {
        sessionId: id,
        userId: input.userId,
        at: now,
        type: 'login',
        actor: actorOf(caller),
        data: { ip, countryCode: location?.countryCode ?? null, flags: risk.flags },
      };
      const absoluteExpiresAt = new Date(now.getTime() + maxAge * 1000);
      const row: SessionRow = {
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
        ended_at: null,
        end_reason: null,
        ended_by: null,
        page_views: '0',
        heartbeats: '0',
        ip,
        user_agent: userAgent,
        client_hints: hints,
        parser_version: PARSER_VERSION,
        agent: info,
        client_input: client,
        device_id: input.deviceId ?? null,
        device_key: key,
        location,
        network,
        risk,
        label: input.label ?? null,
        login_method: input.loginMethod ?? null,
        metadata: input.metadata ?? {},
      };
      await repo.insert(row, events);
      cache.fill(stateFromRow(row), cache.generation);
      metrics.sessionsCreated.inc();
      return { session: toSessionDto(row, { now }), token };
    },

    view,

    /**
     * Records activity. The common case (state in memory and trusted, nothing changed) is answered
     * synchronously, with no promise; anything else (a cache miss, an expiry to settle, a new
     * address or User-Agent) takes the asynchronous path.
     */
    heartbeat(id: string, caller: Caller, input: HeartbeatInput): HeartbeatAnswer | Promise<HeartbeatAnswer> {
      const ip = parseIp(input.ip, 'ip');
      const userAgent = input.userAgent === undefined ? null : sanitizeUserAgent(input.userAgent);
      const state = listener.trusted ? cache.get(id) : undefined;
      if (state !== undefined && state.endedAt === null && ownedBy(state, caller) && (ip === null || ip === state.ip) && (userAgent === null || userAgent === state.userAgent)) {
        const now = clock.now();
        const nowMs = now.getTime();
        if (expiryReason(state, nowMs) === null) {
          buffer.record(id, now, input.pageViews ?? 0);
          if (nowMs > state.lastActiveAt) state.lastActiveAt = nowMs;
          metrics.heartbeats.inc();
          return heartbeatAnswer(state);
        }
      }
      return this.heartbeatSlow(id, caller, input.pageViews ?? 0, ip, userAgent);
    },

    async heartbeatSlow(id: string, caller: Caller, pageViews: number, ip: string | null, userAgent: string | null): Promise<HeartbeatAnswer> {
      const state = await loadState(id);
      if (!state || !ownedBy(state, caller)) throw notFound();
      const now = clock.now();
      const nowMs = now.getTime();
      if (state.endedAt === null && expiryReason(state, nowMs)) await settleExpiry(state, nowMs);
      if (state.endedAt !== null) {
        throw new ApiError('session_ended', 'This session has ended.', { endReason: state.endReason });
      }
      const previousActiveAt = state.lastActiveAt;
      buffer.record(id, now, pageViews);
      if (nowMs > state.lastActiveAt) state.lastActiveAt = nowMs;
      if (ip !== null && ip !== state.ip) await this.changeNetwork(state, ip, now, previousActiveAt);
      if (userAgent !== null && userAgent !== state.userAgent) await this.changeAgent(state, userAgent, now);
      // A change above awaited: a revoke may have landed meanwhile, and it wins.
      if (state.endedAt !== null) throw new ApiError('session_ended', 'This session has ended.', { endReason: state.endReason });
      metrics.heartbeats.inc();
      return heartbeatAnswer(state);
    },

    /** A heartbeat with a new User-Agent (a browser or app update): device fields derived again. */
    async changeAgent(state: SessionState, userAgent: string, now: Date): Promise<void> {
      const row = await repo.findById(state.id);
      if (!row || row.ended_at) return;
      const { isBot: _isBot, ...info } = userAgents.parse(userAgent, row.client_hints, row.client_input);
      await repo.updateAgent(
        state.id,
        { userAgent, agent: JSON.stringify(info), deviceKey: deviceKey(info, row.device_id), parserVersion: PARSER_VERSION },
        { sessionId: state.id, userId: state.userId, at: now, type: 'user_agent_changed', actor: null, data: { from: row.agent.label, to: info.label } },
      );
      state.userAgent = userAgent;
    },

    /** A heartbeat from a new address: new location, signals re-assessed, the change recorded. */
    async changeNetwork(state: SessionState, ip: string, now: Date, previousActiveAt: number): Promise<void> {
      const row = await repo.findById(state.id);
      if (!row || row.ended_at) return;
      const location = geo.lookup(ip);
      const network = geo.network?.(ip) ?? null;
      // The session's own last position counts for travel speed. It is passed as a finished
      // segment so that the session is not "concurrent" with itself in another country.
      const ownPast: RiskHistoryItem = {
        id: row.id,
        createdAt: row.created_at,
        lastActiveAt: new Date(previousActiveAt),
        endedAt: new Date(previousActiveAt),
        deviceKey: row.device_key,
        location: row.location,
      };
      const risk = await assessFor(state.userId, state.id, { at: now, deviceKey: row.device_key, isBot: row.risk.flags.includes('bot'), location }, [ownPast]);
      const events: SessionEventInput[] = [
        { sessionId: state.id, userId: state.userId, at: now, type: 'ip_changed', actor: null, data: { from: row.ip, to: ip } },
      ];
      if ((row.location?.countryCode ?? null) !== (location?.countryCode ?? null)) {
        events.push({ sessionId: state.id, userId: state.userId, at: now, type: 'country_changed', actor: null, data: { from: row.location?.countryCode ?? null, to: location?.countryCode ?? null } });
      }
      const raised = risk.flags.filter((f) => !row.risk.flags.includes(f));
      if (raised.length > 0) events.push({ sessionId: state.id, userId: state.userId, at: now, type: 'flagged', actor: null, data: { flags: raised } });
      await repo.updateNetwork(state.id, { ip, location, network, risk }, events);
      state.ip = ip;
    },

    async end(id: string, caller: Caller, reason: string): Promise<SessionDto> {
      const state = await loadState(id);
      if (!state || !ownedBy(state, caller)) throw notFound();
      if (caller.kind === 'user' && caller.sessionId === id && reason !== 'logout') {
        throw new ApiError('cannot_revoke_current', 'The current session cannot be ended from the list; log out instead.');
      }
      const now = clock.now();
      const nowMs = now.getTime();
      if (state.endedAt === null && expiryReason(state, nowMs)) await settleExpiry(state, nowMs);
      const result = await repo.endOne(id, reason, actorOf(caller), now);
      if (!result) throw notFound();
      const { row, changed } = result;
      cache.markEnded(id, (row.ended_at as Date).getTime(), row.end_reason as string);
      if (changed) metrics.sessionsEnded([reason]);
      return toSessionDto(row, { now, pending: buffer.pending(id), current: caller.kind === 'user' ? id === caller.sessionId : undefined });
    },

    async endAllForUser(userId: string, exceptId: string | null, reason: string, caller: Caller) {
      const rows = await repo.endAllForUser(userId, exceptId, reason, actorOf(caller), clock.now());
      for (const row of rows) cache.markEnded(row.id, (row.ended_at as Date).getTime(), reason);
      metrics.sessionsEnded(rows.map(() => reason));
      return { revoked: rows.length, ids: rows.map((r) => r.id) };
    },

    async list(userId: string, options: { status: ListStatus; limit: number; cursor?: string; flagged: boolean; currentId?: string }) {
      const cursor = options.cursor === undefined ? null : decodeCursor(options.cursor);
      const now = clock.now();
      const settle = async () => {
        const expired = await repo.expireForUser(userId, now, buffer.pendingIds());
        for (const row of expired) cache.markEnded(row.id, (row.ended_at as Date).getTime(), row.end_reason as string);
      };
      const query = () => repo.listByUser({ userId, status: options.status, limit: options.limit + 1, cursor, flagged: options.flagged });
      // History must include sessions that have expired but are not written yet: write them first.
      // The active list (the hot one) only pays for that when its page holds an expired session.
      if (options.status !== 'active') await settle();
      let rows = await query();
      if (options.status === 'active' && rows.some((row) => isExpired(row, now))) {
        await settle();
        rows = await query();
      }
      const page = rows.slice(0, options.limit);
      const items = page.map((row) =>
        toSessionDto(row, { now, pending: buffer.pending(row.id), current: options.currentId === undefined ? undefined : row.id === options.currentId }),
      );
      const last = page[page.length - 1];
      const nextCursor = rows.length > options.limit && last ? encodeCursor(last) : null;
      return { items, nextCursor };
    },

    async events(id: string, caller: Caller, limit: number, cursor: string | undefined) {
      const state = await loadState(id);
      if (!state || !ownedBy(state, caller)) throw notFound();
      const rows = await repo.listEvents(id, limit + 1, cursor ?? null);
      const page = rows.slice(0, limit);
      return { items: page.map(toEventDto), nextCursor: rows.length > limit ? String(page[page.length - 1].id) : null };
    },

    /** The session a token belongs to, if the token is genuine and the session usable now. */
    async authenticate(token: string): Promise<SessionState | null> {
      const id = sessionIdFromToken(token);
      if (!id) return null;
      const state = await loadState(id);
      if (!state || !tokenMatches(token, state.tokenHash)) return null;
      const nowMs = clock.now().getTime();
      if (state.endedAt === null && expiryReason(state, nowMs)) await settleExpiry(state, nowMs);
      return state.endedAt === null ? state : null;
    },

    async introspect(token: string) {
      const state = await this.authenticate(token);
      if (!state) return { active: false as const };
      const session = await view(state.id, { kind: 'service', subject: 'introspect' });
      return session.status === 'active' ? { active: true as const, session } : { active: false as const };
    },

    /** Background work: write expiries, purge history past retention. */
    async sweep(): Promise<{ expired: number; purged: number }> {
      const now = clock.now();
      let expired = 0;
      // A short batch means nothing due is left, or another instance holds the sweep lock.
      for (;;) {
        const batch = await repo.expireDue(now, buffer.pendingIds(), 1000);
        for (const row of batch.ended) cache.markEnded(row.id, (row.ended_at as Date).getTime(), row.end_reason as string);
        metrics.sessionsEnded(batch.ended.map((r) => r.end_reason as string));
        expired += batch.ended.length;
        if (batch.checked < 1000) break;
      }
      const before = new Date(now.getTime() - deps.defaults.historyRetentionSeconds * 1000);
      let purged = 0;
      for (;;) {
        const count = await repo.purgeEnded(before, 1000);
        purged += count;
        if (count < 1000) break;
      }
      await repo.purgeFlushes(new Date(now.getTime() - 86400000));
      return { expired, purged };
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
