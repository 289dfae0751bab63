import { Type, type Static } from '@sinclair/typebox';
import { CLIENT_KINDS } from '../enrich/types.js';
import { PRINTABLE_PATTERN } from '../text.js';
import { literalUnion, Nullable } from '../typebox.js';
import { EVENT_TYPES, REVIEW_STATES, SERVICE_END_REASONS, SESSION_STATUSES } from './vocabulary.js';

// Every shape of the sessions API, once: validation, the handlers' types (Static<>), response
// serialisation and the OpenAPI document all come from here (the Session resource itself in
// resource-schemas.ts).

export { LocationSchema, NetworkSchema, SessionSchema, type SessionResource } from './resource-schemas.js';
import { SESSION_EXAMPLE, SessionSchema } from './resource-schemas.js';

const NullableString = (options: Record<string, unknown> = {}) => Nullable(Type.String(options));

/** Identifiers and labels: printable text only (no control characters, which PostgreSQL may refuse). */
const NO_CONTROL = PRINTABLE_PATTERN;

/** A session id sent by a client: stored in lower case by validation (see http/canonical-ids.ts). */
export const SessionIdInput = (options: Record<string, unknown> = {}) => Type.String({ format: 'uuid', 'x-lowercase': true, ...options });

export const SessionIdParams = Type.Object({
  id: SessionIdInput({ description: 'Session id (UUID v7).' }),
});
export const UserIdParams = Type.Object({
  userId: Type.String({ minLength: 1, maxLength: 128, pattern: NO_CONTROL, description: 'The user id the calling system uses.' }),
});

const ClientInputSchema = Type.Object(
  {
    kind: Type.Optional(literalUnion(CLIENT_KINDS)),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    version: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  },
  { additionalProperties: false, description: 'What a native app says it is; wins over User-Agent parsing.' },
);

const ClientHintsSchema = Type.Record(Type.String({ pattern: '^sec-ch-ua(-[a-z-]+)?$' }), Type.String({ maxLength: 512 }), {
  maxProperties: 16,
  description: 'Sec-CH-UA-* request header values keyed by lower-case header name.',
});

/** Metadata as a service gives it (at login, or later to replace it). */
export const MetadataInput = Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), {
  maxProperties: 32,
  description: 'Small JSON object (at most 4 KB).',
});

export const CreateSessionBody = Type.Object(
  {
    userId: Type.String({ minLength: 1, maxLength: 128, pattern: NO_CONTROL }),
    ip: Type.Optional(Type.String({ maxLength: 64, description: "The end user's address, as the backend saw it." })),
    userAgent: Type.Optional(Type.String({ maxLength: 8192 })),
    clientHints: Type.Optional(ClientHintsSchema),
    client: Type.Optional(ClientInputSchema),
    deviceId: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: NO_CONTROL })),
    label: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: NO_CONTROL })),
    loginMethod: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: NO_CONTROL })),
    metadata: Type.Optional(MetadataInput),
    idleTimeoutSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 31536000 })),
    maxAgeSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 315360000 })),
    maxActiveSessions: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100000,
        description: 'Active sessions the user may hold with this one (1: one at a time); never above SESSION_MAX_PER_USER.',
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        userId: 'user-42',
        ip: '81.2.69.142',
        userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
        loginMethod: 'password',
      },
    ],
  },
);
export type CreateSessionInput = Static<typeof CreateSessionBody>;

export const HeartbeatBody = Type.Object(
  {
    ip: Type.Optional(
      Type.String({ maxLength: 64, description: 'A new address moves the session: location and risk signals are derived again.' }),
    ),
    userAgent: Type.Optional(
      Type.String({ maxLength: 8192, description: 'A new User-Agent (an update) derives the device fields again.' }),
    ),
    pageViews: Type.Integer({ minimum: 0, maximum: 10000, default: 0, description: 'Pages viewed since the last heartbeat.' }),
    path: Type.Optional(
      Type.String({ maxLength: 2048, description: 'The page viewed. Validated but not stored: pages are counted through pageViews.' }),
    ),
  },
  { additionalProperties: false, examples: [{ pageViews: 1 }] },
);
export type HeartbeatInput = Static<typeof HeartbeatBody>;

/** The user's own heartbeat: where it comes from is the request's, not the body's. */
export const MeHeartbeatBody = Type.Object(
  {
    pageViews: Type.Integer({ minimum: 0, maximum: 10, default: 0, description: 'Pages viewed since the last heartbeat (at most 10).' }),
    path: Type.Optional(
      Type.String({ maxLength: 2048, description: 'The page viewed. Validated but not stored: pages are counted through pageViews.' }),
    ),
  },
  { additionalProperties: false, examples: [{ pageViews: 1 }] },
);

export const HeartbeatResult = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    userId: Type.String(),
    status: Type.Literal('active'),
    expiresAt: Type.String({ format: 'date-time' }),
  },
  { examples: [{ id: SESSION_EXAMPLE.id, userId: 'alice', status: 'active', expiresAt: '2026-12-07T15:37:28.441Z' }] },
);
export type HeartbeatAnswer = Static<typeof HeartbeatResult>;

export const CreatedSession = Type.Object({
  session: Type.Ref(SessionSchema),
  token: Type.String({ description: 'The session token. Shown once: only its hash is stored.' }),
  evicted: Type.Array(Type.String({ format: 'uuid' }), {
    description: 'Sessions this login ended (endReason "evicted") to stay within the session limit: the least recently active.',
  }),
});

export const ListQuery = Type.Object(
  {
    status: literalUnion(SESSION_STATUSES, { default: 'active' }),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
    cursor: Type.Optional(Type.String({ maxLength: 512, description: 'nextCursor of the previous page.' })),
    flagged: Type.Boolean({ default: false, description: 'Only sessions with at least one risk flag.' }),
    review: Type.Optional(
      literalUnion(REVIEW_STATES, {
        description: "Only sessions in this review state; with flagged=true, review=unreviewed lists what needs the user's attention.",
      }),
    ),
  },
  { additionalProperties: false },
);

export type ListOptions = Static<typeof ListQuery>;

export const SessionPage = Type.Object({
  items: Type.Array(Type.Ref(SessionSchema)),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const RevokeResult = Type.Object(
  {
    revoked: Type.Integer(),
    ids: Type.Array(Type.String({ format: 'uuid' }), { description: 'The sessions ended, up to 1,000 of them.' }),
    idsTruncated: Type.Optional(Type.Literal(true, { description: 'Present when more sessions were ended than ids lists.' })),
  },
  { examples: [{ revoked: 1, ids: [SESSION_EXAMPLE.id] }] },
);

export type RevokeAnswer = Static<typeof RevokeResult>;

export const RevokeUserBody = Type.Object(
  {
    exceptSessionId: Type.Optional(SessionIdInput()),
    reason: literalUnion(SERVICE_END_REASONS, { default: 'revoked' }),
  },
  { additionalProperties: false, examples: [{ reason: 'password_change' }] },
);

export const EndQuery = Type.Object({ reason: literalUnion(SERVICE_END_REASONS, { default: 'revoked' }) }, { additionalProperties: false });

export const IntrospectBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false });
export const IntrospectResult = Type.Union([
  Type.Object({ active: Type.Literal(true), session: Type.Ref(SessionSchema) }),
  Type.Object({ active: Type.Literal(false) }),
]);

export type IntrospectAnswer = Static<typeof IntrospectResult>;

export const EventsQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
    cursor: Type.Optional(Type.String({ maxLength: 32, pattern: '^[0-9]{1,19}$' })),
  },
  { additionalProperties: false },
);

export const SessionEventSchema = Type.Object(
  {
    id: Type.String(),
    sessionId: Type.String({ format: 'uuid' }),
    at: Type.String({ format: 'date-time' }),
    type: Type.String({ description: EVENT_TYPES.join(', ') }),
    actor: NullableString({
      description:
        'Who caused it. To services: "user:<sessionId>", "service:<sub>", "expiry". To the user (/v1/me): only the kind, "user", "service" or "system".',
    }),
    data: Type.Record(Type.String(), Type.Unknown(), {
      description:
        'login: { ip, countryCode, flags }; ip_changed: { from, to }; ended and expired: { reason }; reviewed: { state }. After IP_RETENTION, ip, from and to hold networks as Session.ip does.',
    }),
  },
  { $id: 'SessionEvent', title: 'SessionEvent' },
);
export type SessionEventResource = Static<typeof SessionEventSchema>;
export const EventPage = Type.Object({
  items: Type.Array(Type.Ref(SessionEventSchema)),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
