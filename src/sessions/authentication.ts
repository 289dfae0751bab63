import { hashToken, sessionIdFromToken, tokenMatches } from '../auth/session-tokens.js';
import type { SessionsContext } from './context.js';
import type { SessionStates } from './live-state/session-state.js';
import type { SessionState } from './live-state/state-cache.js';
import type { Queries } from './queries.js';
import type { IntrospectAnswer } from './schemas.js';

/** What a session token proves: for the /v1/me routes, and for services that introspect one. */
export function createAuthentication(ctx: SessionsContext, states: SessionStates, queries: Queries) {
  /** The session a token belongs to, if the token is genuine and the session usable now. */
  async function authenticate(token: string): Promise<SessionState | null> {
    const id = sessionIdFromToken(token);
    if (!id) return null;
    const state = await states.load(id);
    if (!state || !tokenMatches(token, state.tokenHash)) return null;
    await states.settleExpiry(state, ctx.clock.now().getTime());
    return state.endedAt === null ? state : null;
  }

  const { cache, feed, clock } = ctx;

  return {
    authenticate,

    /**
     * The session a token belongs to, decided from memory alone: null when the token is refused,
     * undefined when only the database can tell (not cached, feed interrupted, expiry to settle).
     */
    authenticateFromMemory(token: string): { id: string; userId: string } | null | undefined {
      if (!feed.trusted) return undefined;
      const id = sessionIdFromToken(token);
      if (id === null) return null;
      const slot = cache.slotOf(id);
      if (slot < 0) return undefined;
      // A session's token never changes: a mismatch is final.
      if (!cache.tokenMatches(slot, hashToken(token)) || !cache.isActive(slot)) return null;
      if (cache.expiryReasonAt(slot, clock.now().getTime()) !== null) return undefined;
      return { id, userId: cache.userIdOf(slot) };
    },

    async introspect(token: string): Promise<IntrospectAnswer> {
      const state = await authenticate(token);
      if (!state) return { active: false };
      const session = await queries.view(state.id, { kind: 'service', subject: 'introspect', scopes: new Set() });
      return session.status === 'active' ? { active: true, session } : { active: false };
    },
  };
}

export type Authentication = ReturnType<typeof createAuthentication>;
