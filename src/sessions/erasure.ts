import { actorOf, type Caller } from '../auth/caller.js';
import type { SessionsContext } from './context.js';
import type { Endings } from './endings.js';

export interface ErasureAnswer {
  erasedSessions: number;
  erasedEvents: number;
}

/**
 * Erasure of a user (GDPR article 17): their active sessions end first (reason `erased`), so every
 * instance refuses their tokens as after any revoke; then every row that holds anything of the
 * user goes, from every place repositories/user-data.ts lists. Running it again finds nothing.
 * A login for the user after it has begun creates data anew: the calling system stops those first.
 */
export function createErasure(ctx: SessionsContext, endings: Endings) {
  const { repositories, clock } = ctx;

  return async function erase(userId: string, caller: Caller): Promise<ErasureAnswer> {
    await endings.endAllForUser(userId, null, 'erased', actorOf(caller), clock.now(), 0);
    const counts = await repositories.userData.erase(userId);
    return { erasedSessions: counts.sessions ?? 0, erasedEvents: counts.session_events ?? 0 };
  };
}

export type Erasure = ReturnType<typeof createErasure>;
