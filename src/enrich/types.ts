// The shapes the enrichment modules produce. They are stored on the session row and exposed as-is
// in the Session resource, so they must stay plain JSON.

export const DEVICE_TYPES = ['desktop', 'mobile', 'tablet', 'bot', 'tv', 'console', 'wearable', 'unknown'] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

export const CLIENT_KINDS = ['browser', 'app', 'api', 'bot', 'unknown'] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

export interface DeviceInfo {
  device: { type: DeviceType; vendor: string | null; model: string | null };
  os: { name: string | null; version: string | null };
  browser: { name: string | null; version: string | null };
  client: { kind: ClientKind; name: string | null; version: string | null };
  /** Human text, e.g. "Chrome 126 on macOS", "Immich 1.120 on Android", "Googlebot". */
  label: string;
}

/** What a backend may say about the client at creation; it wins over parsing. */
export interface ClientInput {
  kind?: ClientKind;
  name?: string;
  version?: string;
}

/** Sec-CH-UA-* header values keyed by lower-case header name, raw values. */
export type ClientHints = Record<string, string>;

export interface Location {
  countryCode: string | null;
  country: string | null;
  flag: string | null;
  region: string | null;
  city: string | null;
  latitude: number | null;
  longitude: number | null;
  accuracyRadiusKm: number | null;
  timeZone: string | null;
  /** Network organisation, from the same source as Network. */
  asOrganization?: string | null;
}

/** Who routes an address: its autonomous system and the organisation that holds it. */
export interface Network {
  asn: number;
  organization: string | null;
}

export interface GeoStatus {
  /** "ok": a City database is loaded; "degraded": none could be loaded, locations are null. */
  state: 'ok' | 'degraded';
  path: string;
  databaseType: string | null;
  buildEpoch: string | null;
  error: string | null;
  /** Every configured source, and the fallback ones while they serve. */
  databases: GeoDatabaseStatus[];
}

export interface GeoDatabaseStatus {
  database: 'city' | 'asn';
  /** File name (never the full path: readiness is unauthenticated), or package@version. */
  file: string;
  layout: 'maxmind' | 'ip-location-db' | null;
  databaseType: string | null;
  /** When the data was built (ISO 8601), null while nothing is loaded. */
  buildEpoch: string | null;
  inUse: boolean;
  error: string | null;
}

export interface GeoLookup {
  /** `ip` must already be canonical; non-public addresses give null. */
  lookup(ip: string): Location | null;
  /** Who routes the address; null when unknown, non-public, or no network source exists. */
  network?(ip: string): Network | null;
  status(): GeoStatus;
  /** Values a damaged file yielded that lookups dropped since start, by field. */
  droppedValues?(): Readonly<Partial<Record<string, number>>>;
  /** Re-reads the database file(s) now; a failed read keeps the previous database. */
  reload?(): Promise<void>;
  close(): Promise<void>;
}

export const RISK_FLAGS = ['new_country', 'new_device', 'concurrent_countries', 'impossible_travel', 'unusual_hour', 'bot'] as const;
export type RiskFlag = (typeof RISK_FLAGS)[number];

export interface Risk {
  flags: RiskFlag[];
  reasons: Array<{ flag: RiskFlag; message: string }>;
}
