import type { SessionRow } from '../db/types.js';
import { deviceKey, PARSER_VERSION } from '../enrich/user-agent/index.js';
import type { ClientHints } from '../enrich/types.js';
import type { RiskHistoryItem } from '../risk/assess.js';
import type { SessionsContext } from './context.js';
import type { SessionState } from './live-state/state-cache.js';
import type { EventInput } from './repositories/session-events.js';
import { assessAgainstHistory } from './risk-history.js';

/**
 * Times a change is computed again when the stored value moved under it (another request changed
 * it to something else meanwhile). Past that, the heartbeat is answered without recording its
 * change: the next heartbeat from that address or User-Agent finds it differing and records it.
 */
const ATTEMPTS = 3;

// A change of address or User-Agent is decided against the stored row, never against a state held
// in memory (another request, here or on another instance, may have recorded it since), and written
// only if the row still holds the value it was computed from. Of several requests bringing the same
// change at once, exactly one writes it with its events; the others find it stored and record
// nothing. A change that lost to a different one is computed again from the row as it now is, so
// each recorded change starts where the previous one ended.

/** The changes of address or device a heartbeat brings, each recorded once. */
export function createChanges(ctx: SessionsContext) {
  const { repositories, cache, geo, userAgents, lists } = ctx;

  /** What this instance holds becomes what is stored (whoever stored it). */
  function holdAddress(state: SessionState, ip: string | null): void {
    cache.update(state.id, { ip });
    if (ip === state.ip) return;
    state.ip = ip;
    lists.changed(state.userId);
  }

  function holdUserAgent(state: SessionState, userAgent: string | null): void {
    cache.update(state.id, { userAgent });
    if (userAgent === state.userAgent) return;
    state.userAgent = userAgent;
    lists.changed(state.userId);
  }

  /** The address change from the stored `row` to `ip`, written if the row still has its address. */
  async function writeNetwork(row: SessionRow, ip: string, now: Date, previousActiveAt: number): Promise<boolean> {
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
    const candidate = { at: now, deviceKey: row.device_key, isBot: row.risk.flags.includes('bot'), location };
    const risk = await assessAgainstHistory(ctx, row.user_id, row.id, candidate, [ownPast]);
    const base = { sessionId: row.id, userId: row.user_id, at: now, actor: null };
    const events: EventInput[] = [{ ...base, type: 'ip_changed', data: { from: row.ip, to: ip } }];
    const fromCountry = row.location?.countryCode ?? null;
    const toCountry = location?.countryCode ?? null;
    if (fromCountry !== toCountry) events.push({ ...base, type: 'country_changed', data: { from: fromCountry, to: toCountry } });
    const raised = risk.flags.filter((f) => !row.risk.flags.includes(f));
    if (raised.length > 0) events.push({ ...base, type: 'flagged', data: { flags: raised } });
    return repositories.sessions.updateNetwork(row.id, row.ip, { ip, location, network, risk }, events);
  }

  /** The User-Agent change from the stored `row` to `userAgent`, written if the row still has its User-Agent. */
  function writeAgent(row: SessionRow, userAgent: string, clientHints: ClientHints | null, now: Date): Promise<boolean> {
    const hints = clientHints ?? row.client_hints;
    const { isBot: _isBot, ...agent } = userAgents.parse(userAgent, hints, row.client_input);
    return repositories.sessions.updateAgent(
      row.id,
      row.user_agent,
      { userAgent, clientHints: hints, agent, deviceKey: deviceKey(agent, row.device_id), parserVersion: PARSER_VERSION },
      {
        sessionId: row.id,
        userId: row.user_id,
        at: now,
        type: 'user_agent_changed',
        actor: null,
        data: { from: row.agent.label, to: agent.label },
      },
    );
  }

  /** A heartbeat from a new address: new location, signals assessed again, the change recorded. */
  async function changeNetwork(state: SessionState, ip: string, now: Date, previousActiveAt: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const row = await repositories.sessions.findById(state.id);
      if (!row || row.ended_at) return;
      if (row.ip === ip || attempt > ATTEMPTS) return holdAddress(state, row.ip);
      if (await writeNetwork(row, ip, now, previousActiveAt)) return holdAddress(state, ip);
    }
  }

  /** A heartbeat with a new User-Agent (a browser or app update): device fields derived again. */
  async function changeAgent(state: SessionState, userAgent: string, clientHints: ClientHints | null, now: Date): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const row = await repositories.sessions.findById(state.id);
      if (!row || row.ended_at) return;
      if (row.user_agent === userAgent || attempt > ATTEMPTS) return holdUserAgent(state, row.user_agent);
      if (await writeAgent(row, userAgent, clientHints, now)) return holdUserAgent(state, userAgent);
    }
  }

  // On this instance, a session's changes are decided one after another, so the cache is left
  // holding what the last of them found stored, never an earlier answer that arrived late.
  const queues = new Map<string, Promise<void>>();
  async function oneAtATime(id: string, work: () => Promise<void>): Promise<void> {
    const turn = (queues.get(id) ?? Promise.resolve()).then(work);
    const tail = turn.catch(() => {});
    queues.set(id, tail);
    try {
      await turn;
    } finally {
      if (queues.get(id) === tail) queues.delete(id);
    }
  }

  return {
    /**
     * Records what a heartbeat brings that differs from `state` (a new address, a new User-Agent),
     * each change once, and leaves `state` and the cache holding what is stored.
     */
    record(
      state: SessionState,
      seen: { ip: string | null; userAgent: string | null; clientHints: ClientHints | null },
      now: Date,
      previousActiveAt: number,
    ): Promise<void> {
      return oneAtATime(state.id, async () => {
        if (seen.ip !== null) await changeNetwork(state, seen.ip, now, previousActiveAt);
        if (seen.userAgent !== null) await changeAgent(state, seen.userAgent, seen.clientHints, now);
      });
    },
  };
}

export type Changes = ReturnType<typeof createChanges>;
