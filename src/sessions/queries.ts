import { mayAccess, type Caller } from '../auth/caller.js';
import { notFound } from '../errors.js';
import type { SessionsContext } from './context.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { Endings } from './endings.js';
import { expiryReason, lifetimeOf } from './lifetime.js';
import type { SessionStates } from './live-state/session-state.js';
import type { ResourceRow } from './repositories/columns.js';
import { SERVICE_VIEWER, storedActivity, toEventResource, toSessionResource, type Viewer } from './resource.js';
import type { ListOptions, SessionResource } from './schemas.js';
import type { SessionEventResource } from './schemas.js';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Reading sessions and their events, each as the caller may see them. */
export function createQueries(ctx: SessionsContext, states: SessionStates, endings: Endings) {
  const { repositories, activity, clock, lists } = ctx;

  const resource = (row: ResourceRow, now: Date, viewer: Viewer) =>
    toSessionResource(row, { now, activity: activity.overlay(row.id, storedActivity(row)), viewer });

  function isExpired(row: ResourceRow, now: Date): boolean {
    if (row.ended_at !== null) return false;
    const lastActiveAt = activity.overlay(row.id, storedActivity(row)).lastActiveAt;
    return expiryReason({ ...lifetimeOf(row), lastActiveAt }, now.getTime()) !== null;
  }

  return {
    async view(id: string, caller: Caller): Promise<SessionResource> {
      const row = await repositories.sessions.findById(id);
      if (!row || !mayAccess(caller, row.user_id)) throw notFound();
      const now = clock.now();
      if (isExpired(row, now)) await endings.expireForUser(row.user_id, now);
      return resource(row, now, caller);
    },

    /** A page of a user's sessions; `currentId` (on /v1/me) is the caller's own, and the page is shaped for that user. */
    async list(userId: string, options: ListOptions & { currentId?: string }): Promise<Page<SessionResource>> {
      const after = options.cursor === undefined ? null : decodeCursor(options.cursor);
      const now = clock.now();
      const page = () =>
        repositories.lists.page({
          userId,
          status: options.status,
          limit: options.limit + 1,
          after,
          flagged: options.flagged,
          review: options.review,
        });
      // The first page of the active list (what a device page shows) may come from the list cache.
      const cacheKey =
        options.status === 'active' && after === null
          ? `${userId}\u0000${options.limit}\u0000${options.flagged}\u0000${options.review ?? ''}`
          : null;
      let rows = cacheKey === null ? undefined : lists.get(userId, cacheKey);
      if (rows === undefined || rows.some((row) => isExpired(row, now))) {
        const version = lists.versionOf(userId);
        // History must include sessions that have expired but are not written yet: write them first.
        // The active list (the hot one) only pays for that when its page holds an expired session.
        if (options.status !== 'active') await endings.expireForUser(userId, now);
        rows = await page();
        if (options.status === 'active' && rows.some((row) => isExpired(row, now))) {
          await endings.expireForUser(userId, now);
          rows = await page();
        }
        if (cacheKey !== null) lists.set(userId, cacheKey, version, rows);
      }
      const shown = rows.slice(0, options.limit);
      const viewer: Viewer = options.currentId === undefined ? SERVICE_VIEWER : { kind: 'user', sessionId: options.currentId };
      const last = shown.at(-1);
      return {
        items: shown.map((row) => resource(row, now, viewer)),
        nextCursor: rows.length > options.limit && last ? encodeCursor(last) : null,
      };
    },

    async events(id: string, caller: Caller, limit: number, cursor: string | undefined): Promise<Page<SessionEventResource>> {
      const state = await states.load(id);
      if (!state || !mayAccess(caller, state.userId)) throw notFound();
      const rows = await repositories.events.list(id, limit + 1, cursor ?? null);
      const page = rows.slice(0, limit);
      return {
        items: page.map((row) => toEventResource(row, caller.kind)),
        nextCursor: rows.length > limit ? String(page[page.length - 1].id) : null,
      };
    },
  };
}

export type Queries = ReturnType<typeof createQueries>;
