import { ApiError } from '../errors.js';
import type { ResourceRow } from './repositories/columns.js';
import type { ListPosition } from './repositories/session-lists.js';

// Keyset cursors: the sort key of the last item of a page, opaque to clients (base64url JSON).
// Decoding checks every part, so a forged or damaged cursor is a 400, never a database error.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Encoded {
  group: ListPosition['group'];
  at: string;
  id: string;
}

export function encodeCursor(row: Pick<ResourceRow, 'id' | 'ended_at' | 'last_active_at'>): string {
  const cursor: Encoded = { group: row.ended_at ? 'ended' : 'active', at: (row.ended_at ?? row.last_active_at).toISOString(), id: row.id };
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

const invalid = () =>
  new ApiError('validation_failed', 'cursor is not a cursor this service issued.', {
    errors: [{ path: 'querystring/cursor', message: 'is invalid' }],
  });

/** The JSON object inside a cursor's base64url text; a 400 for anything else. */
function opened(text: string): Record<string, unknown> {
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(text)) throw invalid();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!value || typeof value !== 'object') throw invalid();
  return value as Record<string, unknown>;
}

export function decodeCursor(text: string): ListPosition {
  const { group, at, id } = opened(text);
  if ((group !== 'active' && group !== 'ended') || typeof at !== 'string' || typeof id !== 'string' || !UUID.test(id)) throw invalid();
  const time = Date.parse(at);
  if (!Number.isFinite(time) || new Date(time).toISOString() !== at) throw invalid();
  return { group, at: new Date(time), id };
}

/** A cursor over an order by id alone (incident search): the last id of a page. */
export function encodeIdCursor(id: string): string {
  return Buffer.from(JSON.stringify({ id })).toString('base64url');
}

export function decodeIdCursor(text: string): string {
  const { id } = opened(text);
  if (typeof id !== 'string' || !UUID.test(id)) throw invalid();
  return id;
}
