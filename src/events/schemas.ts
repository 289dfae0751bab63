import { Type, type Static } from '@sinclair/typebox';
import { PRINTABLE_PATTERN } from '../text.js';
import { literalUnion, Nullable } from '../typebox.js';
import { DELIVERY_STATES, DISABLED_REASONS, ENDPOINT_FORMATS, LIFECYCLE_EVENT_TYPES } from './vocabulary.js';

// Every shape of the events API, once: validation, the handlers' types, serialisation, OpenAPI.

const Time = (description?: string) => Type.String({ format: 'date-time', ...(description ? { description } : {}) });
const EventTypeName = literalUnion(LIFECYCLE_EVENT_TYPES);
const EventTypeList = Type.Array(EventTypeName, { minItems: 1, maxItems: LIFECYCLE_EVENT_TYPES.length, uniqueItems: true });
const Url = Type.String({
  minLength: 1,
  maxLength: 2048,
  pattern: PRINTABLE_PATTERN,
  description: 'Where events are POSTed: an http(s) URL on a public address (https only in production).',
});
const Description = Type.String({ maxLength: 256, pattern: PRINTABLE_PATTERN });

export const WebhookIdParams = Type.Object({ id: Type.String({ format: 'uuid', description: 'Webhook endpoint id.' }) });

export const WebhookEndpointSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    url: Type.String(),
    description: Nullable(Type.String()),
    events: Nullable(Type.Array(EventTypeName, { description: 'The event types sent; null: all of them.' })),
    format: literalUnion(ENDPOINT_FORMATS, {
      description: 'standard: Standard Webhooks JSON; caep: session.ended as a CAEP session-revoked Security Event Token.',
    }),
    enabled: Type.Boolean(),
    disabledReason: Nullable(
      literalUnion(DISABLED_REASONS, {
        description: 'manual: turned off through the API; failing: every attempt failed for the whole retry schedule.',
      }),
    ),
    disabledAt: Nullable(Time()),
    createdAt: Time(),
    updatedAt: Time(),
    lastSuccessAt: Nullable(Time('The last delivery the endpoint accepted (written at most every few seconds).')),
    previousSecretExpiresAt: Nullable(Time('While in the future, the secret rotated out signs beside the current one.')),
  },
  { $id: 'WebhookEndpoint', title: 'WebhookEndpoint' },
);

export const CreateWebhookBody = Type.Object(
  {
    url: Url,
    events: Type.Optional(EventTypeList),
    description: Type.Optional(Description),
    format: literalUnion(ENDPOINT_FORMATS, { default: 'standard' }),
  },
  { additionalProperties: false },
);
export type CreateWebhookInput = Static<typeof CreateWebhookBody>;

const SecretText = Type.String({ description: 'The signing secret (whsec_ and base64), shown only in this answer.' });
export const WebhookWithSecret = Type.Object({ endpoint: Type.Ref(WebhookEndpointSchema), secret: SecretText });

export const UpdateWebhookBody = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(Nullable(EventTypeList)),
    description: Type.Optional(Nullable(Description)),
    enabled: Type.Optional(
      Type.Boolean({ description: 'true turns a disabled endpoint back on and retries what waits for it at once, with a fresh schedule.' }),
    ),
  },
  { additionalProperties: false },
);
export type UpdateWebhookInput = Static<typeof UpdateWebhookBody>;

export const RotateSecretBody = Type.Object(
  {
    graceSeconds: Type.Integer({
      minimum: 0,
      maximum: 604800,
      default: 86400,
      description: 'How long the current secret keeps signing beside the new one.',
    }),
  },
  { additionalProperties: false },
);

export const WebhookList = Type.Object({ items: Type.Array(Type.Ref(WebhookEndpointSchema)) });

export const DeliveriesQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
    cursor: Type.Optional(Type.String({ maxLength: 32, pattern: '^[0-9]{1,19}$', description: 'nextCursor of the previous page.' })),
    status: Type.Optional(literalUnion(DELIVERY_STATES)),
  },
  { additionalProperties: false },
);
export type DeliveriesOptions = Static<typeof DeliveriesQuery>;

export const AttemptSchema = Type.Object({
  at: Time('When the attempt started.'),
  statusCode: Nullable(Type.Integer({ description: 'The status the endpoint answered; null when it did not answer.' })),
  durationMs: Type.Integer(),
  error: Nullable(Type.String({ description: 'Why the attempt failed; null on success.' })),
});

export const DeliverySchema = Type.Object(
  {
    id: Type.String(),
    eventId: Type.String({ format: 'uuid', description: 'The event, also sent as webhook-id.' }),
    eventType: EventTypeName,
    status: literalUnion(DELIVERY_STATES),
    attempts: Type.Integer(),
    nextAttemptAt: Nullable(Time('While pending: the next attempt.')),
    deliveredAt: Nullable(Time()),
    createdAt: Time(),
    attemptLog: Type.Array(AttemptSchema),
  },
  { $id: 'WebhookDelivery', title: 'WebhookDelivery' },
);
export const DeliveryPage = Type.Object({ items: Type.Array(Type.Ref(DeliverySchema)), nextCursor: Nullable(Type.String()) });

export const UrlChangeSchema = Type.Object({
  changedAt: Time(),
  changedBy: Type.String({ description: 'Who set the URL: "service:" and the subject of the service token.' }),
  oldHost: Nullable(Type.String({ description: 'The host (and port) before; null when the endpoint was created.' })),
  newHost: Type.String({ description: 'The host (and port) after.' }),
});
export const UrlChangeList = Type.Object(
  {
    items: Type.Array(UrlChangeSchema, { description: 'Every URL the endpoint was given, oldest first: its creation, then each change.' }),
  },
  {
    examples: [
      { items: [{ changedAt: '2026-12-01T09:00:00.000Z', changedBy: 'service:ops', oldHost: null, newHost: 'hooks.example.com' }] },
    ],
  },
);

const EVENT_EXAMPLE = {
  id: '0b7e2f0c-0d2a-4f0f-9a55-4d8f3f7e6a11',
  type: 'session.ended',
  timestamp: '2026-11-23T15:40:02.113Z',
  data: { sessionId: '01a2090e-1752-7517-90db-10e12a707e92', userId: 'alice', reason: 'revoked', actor: 'service:ops' },
};

export const LifecycleEventSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'Stable: the same in the feed and in every delivery (webhook-id).' }),
    type: EventTypeName,
    timestamp: Time('When it happened.'),
    data: Type.Record(Type.String(), Type.Unknown(), {
      description: 'sessionId, userId and the fields of the type (see the event reference in docs/events.md); never a token.',
    }),
  },
  { $id: 'LifecycleEvent', title: 'LifecycleEvent', examples: [EVENT_EXAMPLE] },
);

export const FeedQuery = Type.Object(
  {
    after: Type.Optional(
      Type.String({
        maxLength: 64,
        pattern: '^[A-Za-z0-9_-]{1,64}$',
        description: 'nextCursor of the previous page; omitted: from the oldest event kept.',
      }),
    ),
    types: Type.Optional(
      Type.String({ maxLength: 256, pattern: '^[a-z._]+(,[a-z._]+)*$', description: 'Comma-separated event types; omitted: all.' }),
    ),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  },
  { additionalProperties: false },
);
export type FeedOptions = Static<typeof FeedQuery>;

export const EventFeedPage = Type.Object({
  items: Type.Array(Type.Ref(LifecycleEventSchema)),
  nextCursor: Nullable(
    Type.String({ description: 'Where the next call starts: after the last item, or where this call started when there was none.' }),
  ),
});

export const JwksSchema = Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.String())) });

export const SsfConfigurationSchema = Type.Object({
  spec_version: Type.String(),
  issuer: Type.String(),
  jwks_uri: Type.String(),
  delivery_methods_supported: Type.Array(Type.String()),
  critical_subject_members: Type.Array(Type.String()),
  default_subjects: Type.String(),
});
