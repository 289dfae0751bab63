import { ApiError } from '../errors.js';
import type { SessionRow } from '../db/types.js';
import type { ListCursor } from './repository.js';

// Keyset cursors: the sort key of the last item of a page, opaque to clients (base64url JSON).
// Decoding checks every part, so a forged or damaged cursor is a 400, never a database error.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodeCursor(row: Pick<SessionRow, 'id' | 'ended_at' | 'last_active_at'>): string {
  const cursor: ListCursor = { g: row.ended_at ? 1 : 0, t: (row.ended_at ?? row.last_active_at).toISOString(), id: row.id };
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

export function decodeCursor(text: string): ListCursor {
  const invalid = () => new ApiError('validation_failed', 'cursor is not a cursor this service issued.', { errors: [{ path: 'querystring/cursor', message: 'is invalid' }] });
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(text)) throw invalid();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!value || typeof value !== 'object') throw invalid();
  const { g, t, id } = value as Record<string, unknown>;
  if ((g !== 0 && g !== 1) || typeof t !== 'string' || typeof id !== 'string' || !UUID.test(id)) throw invalid();
  const time = Date.parse(t);
  if (!Number.isFinite(time) || new Date(time).toISOString() !== t) throw invalid();
  return { g, t, id };
}
