import { sql } from 'kysely';
import type { DatabaseHandle } from '../../db/database.js';
import { translatingErrors } from '../../db/errors.js';
import type { WebhookEndpointRow, WebhookEndpointsTable, WebhookUrlChangeRow } from '../../db/types.js';

// Webhook endpoints: few rows, read by the API and joined by the fan-out and the claims.

/** What the API shows of an endpoint: every column but the sealed secrets. */
export const ENDPOINT_COLUMNS = [
  'id',
  'url',
  'description',
  'event_types',
  'format',
  'enabled',
  'disabled_reason',
  'disabled_at',
  'previous_secret_expires_at',
  'created_at',
  'updated_at',
  'last_success_at',
] as const satisfies ReadonlyArray<keyof WebhookEndpointsTable>;
export type EndpointRow = Pick<WebhookEndpointRow, (typeof ENDPOINT_COLUMNS)[number]>;

export interface NewEndpoint {
  id: string;
  url: string;
  description: string | null;
  eventTypes: string[] | null;
  format: 'standard' | 'caep';
  secret: Buffer;
  at: Date;
  /** Who creates it (recorded with its first URL). */
  by: string;
}

export interface EndpointChanges {
  url?: string;
  description?: string | null;
  eventTypes?: string[] | null;
  enabled?: boolean;
}

/** The host (and port) of a stored URL: what the record of URL changes keeps. */
const hostOf = (url: string): string => new URL(url).host;

export function createWebhookEndpointsRepository({ db }: DatabaseHandle) {
  return translatingErrors({
    async count(): Promise<number> {
      const row = await db
        .selectFrom('webhook_endpoints')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /** Inserts the endpoint and records its first URL, together. */
    async insert(endpoint: NewEndpoint): Promise<EndpointRow> {
      return db.transaction().execute(async (trx) => {
        await trx
          .insertInto('webhook_url_changes')
          .values({
            endpoint_id: endpoint.id,
            changed_at: endpoint.at,
            changed_by: endpoint.by,
            old_host: null,
            new_host: hostOf(endpoint.url),
          })
          .execute();
        return trx
          .insertInto('webhook_endpoints')
          .values({
            id: endpoint.id,
            url: endpoint.url,
            description: endpoint.description,
            event_types: endpoint.eventTypes,
            format: endpoint.format,
            secret: endpoint.secret,
            created_at: endpoint.at,
            updated_at: endpoint.at,
          })
          .returning(ENDPOINT_COLUMNS)
          .executeTakeFirstOrThrow();
      });
    },

    /** Every URL the endpoint was given, oldest first (kept after the endpoint is deleted). */
    urlChanges(endpointId: string): Promise<WebhookUrlChangeRow[]> {
      return db.selectFrom('webhook_url_changes').selectAll().where('endpoint_id', '=', endpointId).orderBy('id').execute();
    },

    list(): Promise<EndpointRow[]> {
      return db.selectFrom('webhook_endpoints').select(ENDPOINT_COLUMNS).orderBy('created_at').orderBy('id').execute();
    },

    find(id: string): Promise<EndpointRow | undefined> {
      return db.selectFrom('webhook_endpoints').select(ENDPOINT_COLUMNS).where('id', '=', id).executeTakeFirst();
    },

    /**
     * Applies the changes; turning an endpoint back on clears why it was off and gives its waiting
     * deliveries a fresh schedule, starting now. Turning it off records that its owner did. A new
     * URL is recorded (old and new host, `by`, `at`) in the same transaction.
     */
    async update(id: string, changes: EndpointChanges, at: Date, by: string): Promise<EndpointRow | undefined> {
      return db.transaction().execute(async (trx) => {
        const before = await trx
          .selectFrom('webhook_endpoints')
          .select(['enabled', 'url'])
          .where('id', '=', id)
          .forUpdate()
          .executeTakeFirst();
        if (!before) return undefined;
        if (changes.url !== undefined && changes.url !== before.url) {
          await trx
            .insertInto('webhook_url_changes')
            .values({ endpoint_id: id, changed_at: at, changed_by: by, old_host: hostOf(before.url), new_host: hostOf(changes.url) })
            .execute();
        }
        const values: Record<string, unknown> = { updated_at: at };
        if (changes.url !== undefined) values.url = changes.url;
        if (changes.description !== undefined) values.description = changes.description;
        if (changes.eventTypes !== undefined) values.event_types = changes.eventTypes;
        if (changes.enabled === true && !before.enabled) Object.assign(values, { enabled: true, disabled_reason: null, disabled_at: null });
        if (changes.enabled === false && before.enabled)
          Object.assign(values, { enabled: false, disabled_reason: 'manual', disabled_at: at });
        const row = await trx
          .updateTable('webhook_endpoints')
          .set(values)
          .where('id', '=', id)
          .returning(ENDPOINT_COLUMNS)
          .executeTakeFirstOrThrow();
        if (changes.enabled === true && !before.enabled) {
          await trx
            .updateTable('webhook_deliveries')
            .set({ attempts: 0, next_attempt_at: sql<Date>`now()` })
            .where('endpoint_id', '=', id)
            .where('state', '=', 'pending')
            .execute();
        }
        return row;
      });
    },

    /** Deletes the endpoint and its deliveries; the endpoint as it was. */
    async remove(id: string): Promise<EndpointRow | undefined> {
      return db.deleteFrom('webhook_endpoints').where('id', '=', id).returning(ENDPOINT_COLUMNS).executeTakeFirst();
    },

    /** A new secret; the current one keeps signing beside it until `previousUntil`. */
    async rotate(id: string, secret: Buffer, previousUntil: Date, at: Date): Promise<EndpointRow | undefined> {
      return db
        .updateTable('webhook_endpoints')
        .set({
          previous_secret: sql<Buffer>`secret`,
          previous_secret_expires_at: previousUntil,
          secret,
          updated_at: at,
        })
        .where('id', '=', id)
        .returning(ENDPOINT_COLUMNS)
        .executeTakeFirst();
    },
  });
}

export type WebhookEndpointsRepository = ReturnType<typeof createWebhookEndpointsRepository>;
