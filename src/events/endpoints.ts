import { v7 as uuidv7 } from 'uuid';
import { actorOf, hasScope, type Caller } from '../auth/caller.js';
import { ApiError } from '../errors.js';
import { cleanText } from '../text.js';
import type { EventsContext } from './context.js';
import { DestinationRefusedError, parseDestination, resolveDestination } from './delivery/destinations.js';
import { toDeliveryResource, toEndpointResource } from './resource.js';
import type { CreateWebhookInput, DeliveriesOptions, UpdateWebhookInput } from './schemas.js';
import { newSecret, sealSecret } from './secrets.js';
import { carries } from './vocabulary.js';

// Managing webhook endpoints: the rules (where an endpoint may point, what needs which key, how
// many there may be); the SQL is in repositories/webhook-endpoints.ts.

/** Every event goes to every endpoint that takes it: their number bounds the work per event. */
export const MAX_ENDPOINTS = 50;

const notFound = () => new ApiError('webhook_not_found', 'No webhook endpoint with this id exists.');

export function createEndpointOperations(ctx: EventsContext) {
  const { repositories, clock, policy } = ctx;

  /** The URL as it will be stored, once its form and every address it resolves to pass. */
  async function checkedUrl(text: string): Promise<string> {
    try {
      const url = parseDestination(text, policy);
      await resolveDestination(url, policy);
      return url.href;
    } catch (error) {
      if (!(error instanceof DestinationRefusedError)) throw error;
      throw new ApiError('invalid_webhook_url', error.message, { errors: [{ path: 'body/url', message: error.message }] });
    }
  }

  /** A caep endpoint carries session.ended only: asking it for anything else is a mistake worth saying. */
  function checkTypes(format: 'standard' | 'caep', events: string[] | null | undefined): void {
    if (format !== 'caep' || !events) return;
    const other = events.filter((type) => !carries(format, type));
    if (other.length > 0) {
      const message = `a caep endpoint receives session.ended only (not ${other.join(', ')})`;
      throw new ApiError('validation_failed', `events: ${message}.`, { errors: [{ path: 'body/events', message }] });
    }
  }

  function secretsKey(): Buffer {
    if (ctx.secretsKey) return ctx.secretsKey;
    throw new ApiError('events_not_configured', 'Webhook endpoints need WEBHOOK_SECRETS_KEY, which this registry does not have.');
  }

  function found<T>(row: T | undefined): T {
    if (row === undefined) throw notFound();
    return row;
  }

  // Whoever chooses where events go receives every user's session events: choosing it takes the
  // right to read sessions as well as webhooks:manage.
  function mayPoint(caller: Caller): void {
    if (!hasScope(caller, 'sessions:read')) {
      throw new ApiError(
        'forbidden',
        "Setting a webhook URL sends every user's session events there: the token needs sessions:read as well as webhooks:manage.",
      );
    }
  }

  return {
    async create(input: CreateWebhookInput, caller: Caller) {
      mayPoint(caller);
      const key = secretsKey();
      if (input.format === 'caep' && !ctx.signingKey) {
        throw new ApiError('events_not_configured', 'caep endpoints need EVENTS_SIGNING_KEY, which this registry does not have.');
      }
      checkTypes(input.format, input.events);
      const url = await checkedUrl(input.url);
      if ((await repositories.endpoints.count()) >= MAX_ENDPOINTS) {
        throw new ApiError('webhook_limit_reached', `A registry holds at most ${MAX_ENDPOINTS} webhook endpoints; delete one first.`);
      }
      const id = uuidv7();
      const secret = newSecret();
      const now = clock.now();
      const row = await repositories.endpoints.insert({
        id,
        url,
        description: cleanText(input.description, 256),
        eventTypes: input.events ?? null,
        format: input.format,
        secret: sealSecret(key, id, secret),
        at: now,
        by: actorOf(caller),
      });
      return { endpoint: toEndpointResource(row, now), secret };
    },

    async list() {
      const now = clock.now();
      return { items: (await repositories.endpoints.list()).map((row) => toEndpointResource(row, now)) };
    },

    async get(id: string) {
      return toEndpointResource(found(await repositories.endpoints.find(id)), clock.now());
    },

    async update(id: string, input: UpdateWebhookInput, caller: Caller) {
      if (input.url !== undefined) mayPoint(caller);
      checkTypes(found(await repositories.endpoints.find(id)).format, input.events);
      const url = input.url === undefined ? undefined : await checkedUrl(input.url);
      const description = input.description === undefined ? undefined : cleanText(input.description, 256);
      const now = clock.now();
      const row = await repositories.endpoints.update(
        id,
        { url, description, eventTypes: input.events, enabled: input.enabled },
        now,
        actorOf(caller),
      );
      return toEndpointResource(found(row), now);
    },

    /** Where the endpoint has pointed: its creation and every URL change (kept after a delete). */
    async urlChanges(id: string) {
      const rows = await repositories.endpoints.urlChanges(id);
      if (rows.length === 0) found(await repositories.endpoints.find(id));
      return {
        items: rows.map((row) => ({
          changedAt: row.changed_at.toISOString(),
          changedBy: row.changed_by,
          oldHost: row.old_host,
          newHost: row.new_host,
        })),
      };
    },

    async remove(id: string) {
      return toEndpointResource(found(await repositories.endpoints.remove(id)), clock.now());
    },

    /** A new secret, shown once; the current one signs beside it for `graceSeconds`. */
    async rotate(id: string, graceSeconds: number) {
      const key = secretsKey();
      const secret = newSecret();
      const now = clock.now();
      const row = await repositories.endpoints.rotate(id, sealSecret(key, id, secret), new Date(now.getTime() + graceSeconds * 1000), now);
      return { endpoint: toEndpointResource(found(row), now), secret };
    },

    async deliveries(id: string, options: DeliveriesOptions) {
      found(await repositories.endpoints.find(id));
      const rows = await repositories.deliveries.list(id, {
        limit: options.limit,
        beforeId: options.cursor ?? null,
        state: options.status ?? null,
      });
      return { items: rows.map(toDeliveryResource), nextCursor: rows.length === options.limit ? rows[rows.length - 1].id : null };
    },
  };
}

export type EndpointOperations = ReturnType<typeof createEndpointOperations>;
