import { epochMs, type Clock } from '../../clock.js';
import { LRUCache } from 'lru-cache';
import type { ResourceRow } from '../repositories/columns.js';

/** How long a cached page may lag changes made through another instance (ends excepted). */
export const LIST_CACHE_TTL_MS = 2_000;
const PAGES = 20_000;
const USERS = 200_000;

/**
 * First pages of users' active-session lists, kept for a moment: a device page reads the same list
 * again and again (tabs, refreshes, polling) while nothing in it changes. A page is kept with the
 * version its user had when it was read; every change to the user's sessions that this instance
 * makes or hears of (login, end, a new address or device, activity written) moves the version on,
 * so a kept page never outlives a change known here. Changes made through another instance that
 * send no notice reach a kept page within LIST_CACHE_TTL_MS; ends always send one.
 */
export function createListCache(clock: Clock) {
  let latest = 0;
  const versions = new LRUCache<string, number>({ max: USERS });
  const pages = new LRUCache<string, { version: number; readAt: number; rows: ResourceRow[] }>({ max: PAGES });

  return {
    /** Something in `userId`'s sessions changed. */
    changed(userId: string): void {
      versions.set(userId, ++latest);
    },

    /** Something changed for users not known (a removed session): nothing kept, or being read, is used. */
    clear(): void {
      versions.clear();
      pages.clear();
    },

    /** The version to read a page under (a user forgotten by the bound gets a new one: nothing kept is used). */
    versionOf(userId: string): number {
      let version = versions.get(userId);
      if (version === undefined) {
        version = ++latest;
        versions.set(userId, version);
      }
      return version;
    },

    get(userId: string, key: string): ResourceRow[] | undefined {
      const page = pages.get(key);
      if (page === undefined || page.version !== versions.get(userId) || epochMs(clock) - page.readAt >= LIST_CACHE_TTL_MS)
        return undefined;
      return page.rows;
    },

    /** Keeps a page read under `version`, unless the user's sessions changed during the read. */
    set(userId: string, key: string, version: number, rows: ResourceRow[]): void {
      if (versions.get(userId) === version) pages.set(key, { version, readAt: epochMs(clock), rows });
    },
  };
}

export type ListCache = ReturnType<typeof createListCache>;
