// The inputs of the risk rules.

export interface RiskPlace {
  countryCode: string | null;
  latitude: number | null;
  longitude: number | null;
  accuracyRadiusKm: number | null;
  timeZone: string | null;
}

export interface RiskCandidate {
  at: Date;
  deviceKey: string;
  isBot: boolean;
  location: RiskPlace | null;
  sessionId?: string;
}

export interface RiskHistoryItem {
  id: string;
  createdAt: Date;
  lastActiveAt: Date;
  endedAt: Date | null;
  deviceKey: string;
  location: RiskPlace | null;
  /** false: this session's device does not make the device known (absent: it does). */
  deviceKnown?: boolean;
  /** false: this session's country does not make the country known (absent: it does). */
  countryKnown?: boolean;
}

export interface RiskOptions {
  /** Faster than this between two places is impossible travel (km/h; an airliner cruises at ~900). */
  maxSpeedKmh: number;
  /** Past sign-ins with a known time zone needed before an hour can be called unusual. */
  unusualHourMinHistory: number;
  /** How far (in hours, around the clock) a sign-in may be from a usual hour and still be usual. */
  unusualHourToleranceHours: number;
  /** Country name for messages; defaults to the English name from Intl.DisplayNames. */
  countryName: (countryCode: string) => string;
}
