import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type { AsnResponse, CityResponse } from 'maxmind';
import { countryFlag } from './flag.js';
import { ASN_TYPE, CITY_TYPE, loadDatabase } from './database.js';
import type { AsnDatabase, CityDatabase } from './database.js';
import { fileSignature, watchFileChanges } from './watch.js';
import { canonicalIp, isPublicIp } from '../ip.js';
import type { GeoLookup, GeoStatus, Location } from '../types.js';

/** The GeoLite2 City database shipped with the `geoip-database` package (used when none is configured). */
export const BUNDLED_CITY_DB: string = createRequire(import.meta.url)('geoip-database').city;

export interface GeoLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface OpenGeoLookupOptions {
  cityDbPath: string;
  asnDbPath?: string | null;
  logger: GeoLogger;
  /** Reload when the file is replaced (default true). */
  watch?: boolean;
  /** Quiet period after the last file-system event before reloading (default 500 ms). */
  reloadDebounceMs?: number;
}

interface Slot<T> {
  path: string;
  db: T | null;
  error: string | null;
  /** Signature of the file last tried, so a burst of events for one file loads it once. */
  signature: string | null;
}

/**
 * Opens the City (and optional ASN) database. Never rejects: a missing, corrupt or wrong-type file
 * leaves the lookup `degraded` (every answer null) with a warning, because a session registry
 * without locations is still a working session registry.
 */
export async function openGeoLookup(options: OpenGeoLookupOptions): Promise<GeoLookup> {
  const { logger } = options;
  const city: Slot<CityDatabase> = { path: resolve(options.cityDbPath), db: null, error: null, signature: null };
  const asn: Slot<AsnDatabase> | null = options.asnDbPath
    ? { path: resolve(options.asnDbPath), db: null, error: null, signature: null }
    : null;
  let queue: Promise<void> = Promise.resolve();
  let closed = false;

  async function loadCity(force: boolean): Promise<void> {
    const signature = await fileSignature(city.path);
    if (!force && signature === city.signature) return;
    city.signature = signature;
    try {
      city.db = await loadDatabase<CityResponse>(city.path, CITY_TYPE);
      city.error = null;
      logger.info(
        { path: city.path, databaseType: city.db.databaseType, buildEpoch: city.db.buildEpoch },
        'GeoIP City database loaded',
      );
    } catch (error) {
      city.error = (error as Error).message;
      const kept = city.db !== null;
      logger.warn(
        { path: city.path, reason: city.error, keptPrevious: kept },
        kept
          ? 'GeoIP City database reload failed; keeping the previous database'
          : 'GeoIP City database unavailable; locations are disabled',
      );
    }
  }

  async function loadAsn(slot: Slot<AsnDatabase>, force: boolean): Promise<void> {
    const signature = await fileSignature(slot.path);
    if (!force && signature === slot.signature) return;
    slot.signature = signature;
    try {
      slot.db = await loadDatabase<AsnResponse>(slot.path, ASN_TYPE);
      slot.error = null;
      logger.info({ path: slot.path, databaseType: slot.db.databaseType }, 'GeoIP ASN database loaded');
    } catch (error) {
      slot.error = (error as Error).message;
      logger.warn(
        { path: slot.path, reason: slot.error, keptPrevious: slot.db !== null },
        'GeoIP ASN database unavailable; network names are not added',
      );
    }
  }

  // Loads run one at a time so a slow read cannot land after a newer one and win. The chain never
  // rejects: a watcher callback has nobody to hand an error to, and one failure must not stop
  // every later reload.
  function enqueue(task: () => Promise<void>): Promise<void> {
    queue = queue
      .then(() => (closed ? undefined : task()))
      .catch((error: unknown) => logger.warn({ reason: String(error) }, 'GeoIP database reload failed'));
    return queue;
  }

  await enqueue(async () => {
    await loadCity(true);
    if (asn) await loadAsn(asn, true);
  });

  const stops: Array<() => void> = [];
  if (options.watch ?? true) {
    const debounceMs = options.reloadDebounceMs ?? 500;
    stops.push(watchFileChanges(city.path, debounceMs, () => void enqueue(() => loadCity(false))));
    if (asn) stops.push(watchFileChanges(asn.path, debounceMs, () => void enqueue(() => loadAsn(asn, false))));
  }

  return {
    lookup(ip: string): Location | null {
      const db = city.db;
      if (db === null) return null;
      const canonical = canonicalIp(ip);
      if (canonical === null || !isPublicIp(canonical)) return null;
      let record: CityResponse | null;
      try {
        record = db.reader.get(canonical);
      } catch {
        // A damaged data section must cost one location, not the request.
        return null;
      }
      const location = record ? toLocation(record) : null;
      if (location && asn) location.asOrganization = lookupAsn(asn.db, canonical);
      return location;
    },
    status(): GeoStatus {
      return {
        state: city.db ? 'ok' : 'degraded',
        path: city.path,
        databaseType: city.db?.databaseType ?? null,
        buildEpoch: city.db?.buildEpoch ?? null,
        error: city.error,
      };
    },
    reload(): Promise<void> {
      return enqueue(async () => {
        await loadCity(true);
        if (asn) await loadAsn(asn, true);
      });
    },
    async close(): Promise<void> {
      closed = true;
      for (const stop of stops.splice(0)) stop();
      await queue;
    },
  };
}

function lookupAsn(db: AsnDatabase | null, ip: string): string | null {
  if (db === null) return null;
  try {
    return db.reader.get(ip)?.autonomous_system_organization ?? null;
  } catch {
    return null;
  }
}

/**
 * Maps a City record to the Location exposed on sessions, in English. Records for some networks
 * carry only the registered country or only the continent; what exists is used.
 */
export function toLocation(record: CityResponse): Location | null {
  const country = record.country ?? record.registered_country ?? record.represented_country;
  const isoCode = typeof country?.iso_code === 'string' ? country.iso_code.toUpperCase() : null;
  const countryCode = isoCode && /^[A-Z]{2}$/.test(isoCode) ? isoCode : null;
  const countryName = country?.names?.en ?? (country ? null : record.continent?.names?.en ?? null);
  const where = record.location;
  if (countryCode === null && countryName === null && !where) return null;
  return {
    countryCode,
    country: countryName,
    flag: countryFlag(countryCode),
    region: record.subdivisions?.[0]?.names?.en ?? null,
    city: record.city?.names?.en ?? null,
    latitude: finiteOrNull(where?.latitude),
    longitude: finiteOrNull(where?.longitude),
    accuracyRadiusKm: finiteOrNull(where?.accuracy_radius),
    timeZone: typeof where?.time_zone === 'string' ? where.time_zone : null,
  };
}

function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
