import type { DatabaseHandle } from '../../db/database.js';
import { translatingErrors } from '../../db/errors.js';
import { RESOURCE_COLUMNS, type ResourceRow } from './columns.js';

/** What a user or a service may change about a session after login. */
export interface DetailChanges {
  /** The user's name for the device; null clears it. */
  name?: string | null;
  /** Replaces the metadata given at login. */
  metadata?: Record<string, unknown>;
}

export function createSessionDetailsRepository({ db }: DatabaseHandle) {
  return translatingErrors({
    /** Writes the changes given (active or ended session alike); the row after, or undefined when there is none. */
    async update(id: string, changes: DetailChanges): Promise<ResourceRow | undefined> {
      const set: { name?: string | null; metadata?: string } = {};
      if (changes.name !== undefined) set.name = changes.name;
      if (changes.metadata !== undefined) set.metadata = JSON.stringify(changes.metadata);
      if (Object.keys(set).length === 0) return db.selectFrom('sessions').select(RESOURCE_COLUMNS).where('id', '=', id).executeTakeFirst();
      return db.updateTable('sessions').set(set).where('id', '=', id).returning(RESOURCE_COLUMNS).executeTakeFirst();
    },
  });
}

export type SessionDetailsRepository = ReturnType<typeof createSessionDetailsRepository>;
