import { sql } from 'kysely';
import type { DatabaseHandle } from '../db/database.js';
import { translatingErrors } from '../db/errors.js';

export function createHealthRepository({ db }: DatabaseHandle) {
  return translatingErrors({
    /** Resolves when the database answers a trivial query. */
    async ping(): Promise<void> {
      await sql`select 1`.execute(db);
    },
  });
}
