import { ApiError } from '../errors.js';
import type { EventsContext } from './context.js';
import { toEventResource } from './resource.js';
import type { FeedOptions } from './schemas.js';
import { LIFECYCLE_EVENT_TYPES } from './vocabulary.js';

// The feed: the outbox read in order, for those who poll. Cursors are positions in the outbox
// order (opaque to clients, base64url), checked in full so a forged one is a 400.

const invalid = (path: string, message: string) =>
  new ApiError('validation_failed', `${path.split('/')[1]} ${message}.`, { errors: [{ path, message }] });

export function encodeFeedCursor(position: string): string {
  return Buffer.from(`p${position}`).toString('base64url');
}

/** The position a cursor stands for. */
export function decodeFeedCursor(text: string): string {
  const match = /^p([1-9]\d{0,18})$/.exec(Buffer.from(text, 'base64url').toString('latin1'));
  // A position is a bigint in the database; anything else is not a cursor of ours.
  if (!match || encodeFeedCursor(match[1]) !== text || BigInt(match[1]) > 2n ** 63n - 1n)
    throw invalid('querystring/after', 'is not a cursor this service issued');
  return match[1];
}

function parseTypes(text: string | undefined): string[] | null {
  if (text === undefined) return null;
  const types = [...new Set(text.split(','))];
  const unknown = types.filter((t) => !(LIFECYCLE_EVENT_TYPES as readonly string[]).includes(t));
  if (unknown.length > 0)
    throw invalid('querystring/types', `holds unknown types (${unknown.join(', ')}); known: ${LIFECYCLE_EVENT_TYPES.join(', ')}`);
  return types;
}

export function createFeed(ctx: EventsContext) {
  return {
    async page(options: FeedOptions) {
      const after = options.after === undefined ? null : decodeFeedCursor(options.after);
      const types = parseTypes(options.types);
      const rows = await ctx.repositories.outbox.page(after, types, options.limit);
      const last = rows[rows.length - 1];
      return { items: rows.map(toEventResource), nextCursor: last ? encodeFeedCursor(last.position) : (options.after ?? null) };
    },
  };
}

export type Feed = ReturnType<typeof createFeed>;
