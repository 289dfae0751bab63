import { Type, type Static } from '@sinclair/typebox';
import { RISK_FLAGS } from '../enrich/types.js';
import { PRINTABLE_PATTERN } from '../text.js';
import { literalUnion, Nullable } from '../typebox.js';
import { MetadataInput, SessionEventSchema, SessionSchema } from './schemas.js';
import { REVIEW_ANSWERS, SERVICE_END_REASONS, SESSION_STATUSES } from './vocabulary.js';

// The shapes of the account controls: reviews, device names, erasure and export, incident search
// and bulk revoke. Shared shapes (Session, SessionEvent) come from schemas.ts.

export const ReviewBody = Type.Object(
  {
    state: literalUnion(REVIEW_ANSWERS, {
      description: '"confirmed": it was the user. "reported": it was not; the session ends at once (endReason "reported_by_user").',
    }),
  },
  { additionalProperties: false, examples: [{ state: 'reported' }] },
);
export type ReviewInput = Static<typeof ReviewBody>;

// One schema with two types rather than a union: validation coerces types, and a union's first
// branch would turn a null (clear the name) into an empty string.
const DeviceName = Type.Unsafe<string | null>({
  type: ['string', 'null'],
  maxLength: 256,
  pattern: PRINTABLE_PATTERN,
  description: 'What the user calls the device: at most 64 characters once trimmed, no control characters; null clears it.',
});

export const RenameBody = Type.Object({ name: DeviceName }, { additionalProperties: false, examples: [{ name: 'Work laptop' }] });

export const DetailsBody = Type.Object(
  { name: Type.Optional(DeviceName), metadata: Type.Optional(MetadataInput) },
  { additionalProperties: false, minProperties: 1, examples: [{ name: 'Work laptop' }, { metadata: { tenant: 'acme' } }] },
);
export type DetailsInput = Static<typeof DetailsBody>;

export const ErasureResult = Type.Object(
  {
    erasedSessions: Type.Integer({ description: 'Sessions deleted (active ones were ended first, endReason "erased").' }),
    erasedEvents: Type.Integer({ description: 'Events deleted.' }),
  },
  { examples: [{ erasedSessions: 12, erasedEvents: 31 }] },
);

export const ExportDocument = Type.Object(
  {
    userId: Type.String(),
    exportedAt: Type.String({ format: 'date-time' }),
    sessions: Type.Array(
      Type.Intersect([
        Type.Ref(SessionSchema),
        Type.Object({
          deviceId: Nullable(Type.String({ description: 'The device id the backend gave at login.' })),
          clientHints: Nullable(Type.Record(Type.String(), Type.String(), { description: 'The Sec-CH-UA-* values given at login.' })),
        }),
      ]),
      { description: 'Every session of the user, active and ended, in login order.' },
    ),
    events: Type.Array(Type.Ref(SessionEventSchema), { description: 'Every event of every session of the user, oldest first.' }),
  },
  { description: 'Everything stored about the user, as one document, streamed.' },
);

/** The filter of incident search and bulk revoke: at least one of these. */
const FILTER = {
  ip: Type.Optional(
    Type.String({
      maxLength: 64,
      description: 'Sessions from this address (not those whose address IP_RETENTION has reduced to its network).',
    }),
  ),
  network: Type.Optional(
    Type.String({
      maxLength: 64,
      description: 'Sessions from an address in this network, in CIDR form (81.2.69.0/24, 2a02:1234::/32), retained networks included.',
    }),
  ),
  countryCode: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO 3166-1 alpha-2 code of the location.' })),
  flag: Type.Optional(literalUnion(RISK_FLAGS, { description: 'Sessions with this risk flag.' })),
  createdAfter: Type.Optional(Type.String({ format: 'date-time', description: 'Logins at or after this time.' })),
  createdBefore: Type.Optional(Type.String({ format: 'date-time', description: 'Logins before this time.' })),
};
export const FILTER_FIELDS = Object.keys(FILTER) as Array<keyof typeof FILTER>;

export const SearchQuery = Type.Object(
  {
    ...FILTER,
    status: Type.Optional(literalUnion(SESSION_STATUSES, { description: 'active, ended, or all (the default).' })),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
    cursor: Type.Optional(Type.String({ maxLength: 512, description: 'nextCursor of the previous page.' })),
  },
  { additionalProperties: false },
);
export type SearchInput = Static<typeof SearchQuery>;

export const BulkRevokeBody = Type.Object(
  {
    ...FILTER,
    reason: literalUnion(SERVICE_END_REASONS, { description: 'The endReason the sessions end with.' }),
    expectedCount: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 10_000_000,
        description:
          'How many sessions the caller means to end: `matched` of a dry run. Without it the call is a dry run; with it, sessions end only if no more than this many match (409 more_sessions_match otherwise), and never more than this many end.',
      }),
    ),
    allUsers: Type.Boolean({
      default: false,
      description:
        "true states that the filter may match every user's sessions: needed when it is empty, time-only (createdAfter/createdBefore alone) or a /0 network.",
    }),
    dryRun: Type.Boolean({ default: false, description: 'true only counts, even with expectedCount.' }),
  },
  {
    additionalProperties: false,
    examples: [
      { ip: '203.0.113.77', reason: 'suspicious' },
      { ip: '203.0.113.77', reason: 'suspicious', expectedCount: 3 },
    ],
  },
);
export type BulkRevokeInput = Static<typeof BulkRevokeBody>;

export const BulkRevokeResult = Type.Object(
  {
    matched: Type.Integer({ description: 'Active sessions that matched when the call began: on a dry run, the expectedCount to send.' }),
    revoked: Type.Integer({ description: 'Sessions this call ended (0 on a dry run).' }),
    dryRun: Type.Boolean({ description: 'true when nothing was ended: no expectedCount was given, or dryRun was true.' }),
  },
  {
    examples: [
      { matched: 3, revoked: 0, dryRun: true },
      { matched: 3, revoked: 3, dryRun: false },
    ],
  },
);
export type BulkRevokeAnswer = Static<typeof BulkRevokeResult>;
