import { Type, type Static } from '@sinclair/typebox';
import { CLIENT_KINDS, DEVICE_TYPES, RISK_FLAGS } from '../enrich/types.js';
import { literalUnion, Nullable } from '../typebox.js';
import { END_REASONS, REVIEW_STATES } from './vocabulary.js';

// The Session resource, its location and its network: the shape every answer about a session has
// (the rest of the API's shapes are in schemas.ts).

const NullableString = (options: Record<string, unknown> = {}) => Nullable(Type.String(options));

export const SESSION_EXAMPLE = {
  id: '01a2090e-1752-7517-90db-10e12a707e92',
  userId: 'alice',
  status: 'active',
  createdAt: '2026-11-23T15:37:28.146Z',
  lastActiveAt: '2026-11-23T15:37:28.146Z',
  expiresAt: '2026-12-07T15:37:28.146Z',
  endedAt: null,
  endReason: null,
  durationSeconds: 0,
  activity: { pageViews: 0, heartbeats: 0 },
  ip: '8.8.8.8',
  userAgent: 'Immich_Android_1.120.0',
  device: { type: 'mobile', vendor: null, model: null },
  os: { name: 'Android', version: null },
  browser: { name: null, version: null },
  client: { kind: 'app', name: 'Immich', version: '1.120.0' },
  label: 'Immich 1.120 on Android',
  location: {
    countryCode: 'US',
    country: 'United States',
    flag: '🇺🇸',
    region: null,
    city: null,
    latitude: 37.751,
    longitude: -97.822,
    accuracyRadiusKm: 2500,
    timeZone: 'America/Chicago',
    asOrganization: 'Google LLC',
  },
  network: { asn: 15169, organization: 'Google LLC' },
  risk: { flags: ['new_country'], reasons: [{ flag: 'new_country', message: 'First sign-in from United States for this account.' }] },
  loginMethod: null,
  metadata: {},
  name: 'Pixel phone',
  review: { state: 'confirmed', at: '2026-11-23T15:40:02.511Z' },
};

/** What address retention leaves of a session's addresses. */
const RETAINED =
  'Once the session has been ended for longer than IP_RETENTION (30 days by default), only its network remains, in CIDR form: 81.2.69.0/24 for IPv4, 2a02:1234:5678::/48 for IPv6; location then keeps its country, region, city and time zone, and its latitude, longitude and accuracyRadiusKm are null.';

export const LocationSchema = Type.Object(
  {
    countryCode: NullableString({ description: 'ISO 3166-1 alpha-2.' }),
    country: NullableString(),
    flag: NullableString({ description: 'Country flag emoji.' }),
    region: NullableString(),
    city: NullableString(),
    latitude: Type.Union([Type.Number(), Type.Null()]),
    longitude: Type.Union([Type.Number(), Type.Null()]),
    accuracyRadiusKm: Type.Union([Type.Number(), Type.Null()]),
    timeZone: NullableString(),
    asOrganization: Type.Optional(NullableString({ description: 'Network organisation (as in network.organization).' })),
  },
  { $id: 'Location', title: 'Location', description: 'Approximate location from the IP address.' },
);

export const NetworkSchema = Type.Object(
  {
    asn: Type.Integer({ minimum: 0, description: 'Autonomous system number.' }),
    organization: NullableString({ description: 'The organisation that holds the autonomous system, e.g. "Hetzner Online GmbH".' }),
  },
  { description: 'Who routes the address.' },
);

export const SessionSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    userId: Type.String(),
    status: literalUnion(['active', 'ended'] as const),
    current: Type.Optional(Type.Boolean({ description: 'On /v1/me/* only: this is the session making the request.' })),
    createdAt: Type.String({ format: 'date-time', description: 'Login time.' }),
    lastActiveAt: Type.String({
      format: 'date-time',
      description:
        'Last heartbeat. Activity is written in batches: another instance may be behind by up to the flush interval (1 s by default).',
    }),
    expiresAt: Type.String({ format: 'date-time', description: 'The earlier of idle expiry and absolute expiry.' }),
    endedAt: NullableString({ format: 'date-time' }),
    endReason: Type.Union([literalUnion(END_REASONS), Type.Null()]),
    durationSeconds: Type.Integer({ description: 'endedAt (or now) minus createdAt.' }),
    activity: Type.Object({ pageViews: Type.Integer(), heartbeats: Type.Integer() }),
    ip: NullableString({ description: `Canonical address; IPv4-mapped IPv6 is shown as IPv4. ${RETAINED}` }),
    userAgent: NullableString(),
    device: Type.Object({ type: literalUnion(DEVICE_TYPES), vendor: NullableString(), model: NullableString() }),
    os: Type.Object({ name: NullableString(), version: NullableString() }),
    browser: Type.Object({ name: NullableString(), version: NullableString() }),
    client: Type.Object({ kind: literalUnion(CLIENT_KINDS), name: NullableString(), version: NullableString() }),
    label: Type.String({ description: 'Human text such as "Chrome 126 on macOS".' }),
    location: Type.Union([Type.Ref(LocationSchema), Type.Null()]),
    network: Type.Union([NetworkSchema, Type.Null()], { description: "The address's network; null when unknown or not public." }),
    risk: Type.Object({
      flags: Type.Array(literalUnion(RISK_FLAGS)),
      reasons: Type.Array(Type.Object({ flag: literalUnion(RISK_FLAGS), message: Type.String() })),
    }),
    loginMethod: NullableString(),
    metadata: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'What the backend gave at login (or set since): its own data. Shown to services only, never on /v1/me/*.',
      }),
    ),
    name: NullableString({ description: 'What the user calls this device ("Work laptop"), shown beside label; null until named.' }),
    review: Type.Object(
      {
        state: literalUnion(REVIEW_STATES),
        at: NullableString({ format: 'date-time', description: 'When the user answered; null while unreviewed.' }),
      },
      {
        description: '"Was this you?": confirmed ("yes, it was me") or reported ("this wasn\'t me", which ended it).',
      },
    ),
  },
  { $id: 'Session', title: 'Session', examples: [SESSION_EXAMPLE] },
);
export type SessionResource = Static<typeof SessionSchema>;
