import { Readable } from 'node:stream';
import type { SessionsContext } from './context.js';
import type { ExportPosition, ExportRow } from './repositories/user-data.js';
import { SERVICE_VIEWER, storedActivity, toEventResource, toSessionResource } from './resource.js';

/** Rows read per statement: memory stays bounded by one batch, whatever the user holds. */
export const EXPORT_BATCH = 500;
/** Bytes the stream holds before it waits for the client to read. */
const STREAM_BUFFER_BYTES = 64 * 1024;

/**
 * A user's data as one JSON document (GDPR articles 15 and 20): every session, active and ended,
 * then every event, read in keyset batches and written as they are read. The first batch is read
 * before the answer starts, so a database that cannot answer is a 503, not a cut document.
 */
export function createExports(ctx: SessionsContext) {
  const { repositories, activity, clock } = ctx;

  function sessionJson(row: ExportRow, now: Date, currentId: string | undefined): string {
    const resource = toSessionResource(row, {
      now,
      activity: activity.overlay(row.id, storedActivity(row)),
      // The user's own export is shaped as /v1/me shows sessions: no backend metadata.
      viewer: currentId === undefined ? SERVICE_VIEWER : { kind: 'user', sessionId: currentId },
    });
    return JSON.stringify({ ...resource, deviceId: row.device_id, clientHints: row.client_hints });
  }

  async function* document(userId: string, now: Date, first: ExportRow[], currentId: string | undefined): AsyncGenerator<string> {
    yield `{"userId":${JSON.stringify(userId)},"exportedAt":${JSON.stringify(now.toISOString())},"sessions":[`;
    let rows = first;
    let separator = '';
    for (;;) {
      if (rows.length > 0) {
        yield separator + rows.map((row) => sessionJson(row, now, currentId)).join(',');
        separator = ',';
      }
      const last = rows.at(-1);
      if (rows.length < EXPORT_BATCH || !last) break;
      const after: ExportPosition = { createdAt: last.created_at, id: last.id };
      rows = await repositories.userData.sessionsAfter(userId, after, EXPORT_BATCH);
    }
    yield '],"events":[';
    separator = '';
    for (let afterId: string | null = null; ;) {
      const events = await repositories.userData.eventsAfter(userId, afterId, EXPORT_BATCH);
      if (events.length > 0) {
        yield (
          separator + events.map((event) => JSON.stringify(toEventResource(event, currentId === undefined ? 'service' : 'user'))).join(',')
        );
        separator = ',';
      }
      if (events.length < EXPORT_BATCH) break;
      afterId = events[events.length - 1].id;
    }
    yield ']}';
  }

  /** The export of `userId` as a stream of JSON text; `currentId` marks the caller's own session. */
  return async function exportUser(userId: string, currentId?: string): Promise<Readable> {
    const now = clock.now();
    const first = await repositories.userData.sessionsAfter(userId, null, EXPORT_BATCH);
    return Readable.from(document(userId, now, first, currentId), { objectMode: false, highWaterMark: STREAM_BUFFER_BYTES });
  };
}

export type Exports = ReturnType<typeof createExports>;
