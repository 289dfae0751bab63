// The shapes the element reads from the API (the registry's /v1/me answers), for type checking only.

/**
 * @typedef {{ countryCode: string | null, country: string | null, flag: string | null, region: string | null, city: string | null }} Location
 * @typedef {{ state: 'unreviewed' | 'confirmed' | 'reported', at: string | null }} Review
 * @typedef {{
 *   id: string, status: 'active' | 'ended', current?: boolean, createdAt: string, lastActiveAt: string,
 *   endedAt: string | null, endReason: string | null, durationSeconds: number,
 *   activity: { pageViews: number, heartbeats: number }, ip: string | null,
 *   device: { type: string, vendor: string | null, model: string | null },
 *   os: { name: string | null, version: string | null }, browser: { name: string | null, version: string | null },
 *   client: { kind: string, name: string | null, version: string | null }, label: string,
 *   location: Location | null, risk: { flags: string[] },
 *   review?: Review, name?: string | null
 * }} Session
 * @typedef {{ items: Session[], nextCursor: string | null }} Page
 */

export {};
