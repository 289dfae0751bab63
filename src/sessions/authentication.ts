import { sessionIdFromToken, tokenMatches } from '../auth/session-tokens.js';
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

  return {
    authenticate,

    async introspect(token: string): Promise<IntrospectAnswer> {
      const state = await authenticate(token);
      if (!state) return { active: false };
      const session = await queries.view(state.id, { kind: 'service', subject: 'introspect' });
      return session.status === 'active' ? { active: true, session } : { active: false };
    },
  };
}

export type Authentication = ReturnType<typeof createAuthentication>;
