import { ApiError } from '../errors.js';
import type { EventsContext } from './context.js';
import type { OutboxPosition } from './repositories/outbox-events.js';
import { toEventResource } from './resource.js';
import type { FeedOptions } from './schemas.js';
import { LIFECYCLE_EVENT_TYPES } from './vocabulary.js';

// The feed: the outbox read in order, for those who poll. Cursors are positions in the outbox
// order (opaque to clients, base64url), checked in full so a forged one is a 400.

const invalid = (path: string, message: string) => new ApiError('validation_failed', `${path.split('/')[1]} ${message}.`, { errors: [{ path, message }] });

export function encodeFeedCursor(position: OutboxPosition): string {
  return Buffer.from(`${position.txid}.${position.seq}`).toString('base64url');
}

export function decodeFeedCursor(text: string): OutboxPosition {
  const match = /^(\d{1,19})\.(\d{1,19})$/.exec(Buffer.from(text, 'base64url').toString('latin1'));
  if (!match || encodeFeedCursor({ txid: match[1], seq: match[2] }) !== text) throw invalid('querystring/after', 'is not a cursor this service issued');
  // Both are bigint-sized in the database; larger text is not a position.
  if (BigInt(match[1]) > 2n ** 63n - 1n || BigInt(match[2]) > 2n ** 63n - 1n) throw invalid('querystring/after', 'is not a cursor this service issued');
  return { txid: match[1], seq: match[2] };
}

function parseTypes(text: string | undefined): string[] | null {
  if (text === undefined) return null;
  const types = [...new Set(text.split(','))];
  const unknown = types.filter((t) => !(LIFECYCLE_EVENT_TYPES as readonly string[]).includes(t));
  if (unknown.length > 0) throw invalid('querystring/types', `holds unknown types (${unknown.join(', ')}); known: ${LIFECYCLE_EVENT_TYPES.join(', ')}`);
  return types;
}

export function createFeed(ctx: EventsContext) {
  return {
    async page(options: FeedOptions) {
      const after = options.after === undefined ? null : decodeFeedCursor(options.after);
      const types = parseTypes(options.types);
      const rows = await ctx.repositories.outbox.page(after, types, options.limit);
      const last = rows[rows.length - 1];
      return { items: rows.map(toEventResource), nextCursor: last ? encodeFeedCursor(last) : (options.after ?? null) };
    },
  };
}

export type Feed = ReturnType<typeof createFeed>;
