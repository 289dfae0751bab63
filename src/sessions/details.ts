import { mayAccess, type Caller } from '../auth/caller.js';
import { notFound } from '../errors.js';
import type { SessionsContext } from './context.js';
import { checkMetadata, deviceName } from './input.js';
import type { SessionStates } from './live-state/session-state.js';
import type { DetailChanges } from './repositories/session-details.js';
import { storedActivity, toSessionResource } from './resource.js';
import type { SessionResource } from './schemas.js';

/** What a session is called (the user's name for the device) and, for services, its metadata. */
export function createDetails(ctx: SessionsContext, states: SessionStates) {
  const { repositories, activity, clock, lists } = ctx;

  return async function update(
    id: string,
    caller: Caller,
    input: { name?: string | null; metadata?: Record<string, unknown> },
  ): Promise<SessionResource> {
    // Checked before anything is read: a bad value is a 400 whoever the session belongs to.
    const changes: DetailChanges = {};
    if (input.name !== undefined) changes.name = deviceName(input.name, 'name');
    if (input.metadata !== undefined) changes.metadata = checkMetadata(input.metadata);
    const state = await states.load(id);
    if (!state || !mayAccess(caller, state.userId)) throw notFound();
    const row = await repositories.details.update(id, changes);
    if (!row) throw notFound();
    lists.changed(row.user_id);
    return toSessionResource(row, { now: clock.now(), activity: activity.overlay(id, storedActivity(row)), viewer: caller });
  };
}

export type Details = ReturnType<typeof createDetails>;
