import { basename, resolve } from 'node:path';
import type { AsnResponse, CityResponse } from 'maxmind';
import { canonicalIp, isPublicIp } from '../ip.js';
import type { GeoDatabaseStatus, GeoLookup, GeoStatus, Location, Network } from '../types.js';
import { loadAsnTable, type AsnTableSource } from './asn-cache.js';
import { cleanName, type DroppableField } from './clean.js';
import type { AsnTable } from './asn-table.js';
import { ASN_TYPE, CITY_TYPE, loadDatabase, type LoadedDatabase } from './database.js';
import { cityLayoutOf, fromIpLocationDbCity, fromMaxMindCity, type CityLayout } from './layouts.js';
import { fileSignature, watchFileChanges } from './watch.js';

export interface GeoLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface OpenGeoLookupOptions {
  /** City files of either layout; an address is looked up in the files that hold its family, in order. */
  cityDbPaths: readonly string[];
  /** Served while none of cityDbPaths can be loaded (a downloaded file that is not there yet). */
  cityFallbackPaths?: readonly string[] | null;
  /** A MaxMind ASN (or ISP) database for network owners. */
  asnDbPath?: string | null;
  /**
   * The ASN lists compiled into a table cached in `dir`: the network source when asnDbPath is
   * null, otherwise served while asnDbPath cannot be loaded. Without either, no network is known.
   */
  asnTable?: { dir: string; source: AsnTableSource; builtAt: string | null; name: string } | null;
  logger: GeoLogger;
  /** Reload when a file is replaced (default true). */
  watch?: boolean;
  /** Quiet period after the last file-system event before reloading (default 500 ms). */
  reloadDebounceMs?: number;
}

type Kind = 'city' | 'asn';

interface FileSlot<T extends CityResponse | AsnResponse> {
  kind: Kind;
  path: string;
  db: LoadedDatabase<T> | null;
  layout: CityLayout;
  error: string | null;
  /** Signature of the file last tried, so a burst of events for one file loads it once. */
  signature: string | null;
  fallback: boolean;
}

const newSlot = <T extends CityResponse | AsnResponse>(kind: Kind, path: string, fallback: boolean): FileSlot<T> => ({
  kind,
  path: resolve(path),
  db: null,
  layout: 'maxmind',
  error: null,
  signature: null,
  fallback,
});

const LABEL: Record<Kind, string> = { city: 'City', asn: 'ASN' };

/**
 * Opens the City and network sources. Never rejects: a missing, corrupt or wrong-type file
 * leaves its part of the lookup empty (or on its fallback) with a warning, because a session
 * registry without locations is still a working session registry.
 */
export async function openGeoLookup(options: OpenGeoLookupOptions): Promise<GeoLookup> {
  const { logger } = options;
  const city = options.cityDbPaths.map((p) => newSlot<CityResponse>('city', p, false));
  const cityFallback = (options.cityFallbackPaths ?? []).map((p) => newSlot<CityResponse>('city', p, true));
  const asn = options.asnDbPath ? [newSlot<AsnResponse>('asn', options.asnDbPath, false)] : [];
  const tableOptions = options.asnTable ?? null;
  let table: AsnTable | null = null;
  let tableError: string | null = null;
  // What lookups read: recomputed after every load so a lookup only walks loaded files.
  let activeCity: Array<FileSlot<CityResponse>> = [];
  let activeAsn: FileSlot<AsnResponse> | null = null;
  let activeTable: AsnTable | null = null;
  let queue: Promise<void> = Promise.resolve();
  let closed = false;
  // Values damaged data yielded and the mapping dropped, by field (served as a metric).
  const dropped: Partial<Record<DroppableField, number>> = {};
  const onDropped = (field: DroppableField) => {
    dropped[field] = (dropped[field] ?? 0) + 1;
  };

  async function load<T extends CityResponse | AsnResponse>(slot: FileSlot<T>, force: boolean): Promise<void> {
    const signature = await fileSignature(slot.path);
    if (!force && signature === slot.signature) return;
    slot.signature = signature;
    const label = LABEL[slot.kind];
    try {
      slot.db = await loadDatabase<T>(slot.path, slot.kind === 'city' ? CITY_TYPE : ASN_TYPE);
      slot.layout = cityLayoutOf(slot.db.databaseType);
      slot.error = null;
      logger.info(
        { path: slot.path, databaseType: slot.db.databaseType, buildEpoch: slot.db.buildEpoch, fallback: slot.fallback || undefined },
        `GeoIP ${label} database loaded`,
      );
    } catch (error) {
      slot.error = (error as Error).message;
      const kept = slot.db !== null;
      logger.warn(
        { path: slot.path, reason: slot.error, keptPrevious: kept },
        kept
          ? `GeoIP ${label} database reload failed; keeping the previous database`
          : slot.kind === 'city'
            ? `GeoIP City database unavailable; ${cityFallback.length > 0 ? 'the bundled data serves meanwhile' : 'locations are disabled'}`
            : `GeoIP ASN database unavailable; ${tableOptions ? 'the bundled ASN lists serve meanwhile' : 'network names are not added'}`,
      );
    }
  }

  /** Brings the fallbacks in while their primary has nothing loaded, and lets them go after. */
  async function settle(): Promise<void> {
    const cityLoaded = city.filter((s) => s.db !== null);
    if (cityLoaded.length === 0 && cityFallback.length > 0) {
      for (const slot of cityFallback) if (slot.db === null) await load(slot, true);
      activeCity = cityFallback.filter((s) => s.db !== null);
    } else {
      for (const slot of cityFallback) slot.db = null;
      activeCity = cityLoaded;
    }
    activeAsn = asn.find((s) => s.db !== null) ?? null;
    if (activeAsn === null && tableOptions) {
      if (table === null && tableError === null) {
        try {
          table = await loadAsnTable(tableOptions.dir, tableOptions.source, logger);
        } catch (error) {
          tableError = (error as Error).message;
          logger.warn({ reason: tableError }, 'ASN lists unavailable; network names are not added');
        }
      }
      activeTable = table;
    } else {
      // An ASN database took over: the table's memory goes back.
      table = null;
      activeTable = null;
    }
  }

  // Loads run one at a time so a slow read cannot land after a newer one and win. The chain never
  // rejects: a watcher callback has nobody to hand an error to, and one failure must not stop
  // every later reload.
  function enqueue(task: () => Promise<void>): Promise<void> {
    queue = queue
      .then(async () => {
        if (closed) return;
        await task();
        await settle();
      })
      .catch((error: unknown) => logger.warn({ reason: String(error) }, 'GeoIP database reload failed'));
    return queue;
  }

  const loadAll = async (force: boolean) => {
    for (const slot of city) await load(slot, force);
    for (const slot of asn) await load(slot, force);
  };
  await enqueue(() => loadAll(true));

  const stops: Array<() => void> = [];
  if (options.watch ?? true) {
    const debounceMs = options.reloadDebounceMs ?? 500;
    for (const slot of [...city, ...asn] as Array<FileSlot<CityResponse | AsnResponse>>) {
      stops.push(watchFileChanges(slot.path, debounceMs, () => void enqueue(() => load(slot, false))));
    }
  }

  function locate(ip: string): Location | null {
    const v6 = ip.includes(':');
    for (const slot of activeCity) {
      const db = slot.db;
      if (db === null || (v6 && db.ipVersion === 4)) continue;
      let record: CityResponse | null;
      try {
        record = db.reader.get(ip);
      } catch {
        // A damaged data section must cost one location, not the request.
        continue;
      }
      if (record === null || typeof record !== 'object') continue;
      return slot.layout === 'ip-location-db'
        ? fromIpLocationDbCity(record as unknown as Record<string, unknown>, onDropped)
        : fromMaxMindCity(record, onDropped);
    }
    return null;
  }

  function owner(ip: string): Network | null {
    if (activeAsn?.db) {
      try {
        const record = activeAsn.db.reader.get(ip);
        const number = record?.autonomous_system_number;
        if (typeof number !== 'number' || !Number.isInteger(number) || number < 0) return null;
        return { asn: number, organization: cleanName(record?.autonomous_system_organization, 'organization', onDropped) };
      } catch {
        return null;
      }
    }
    return activeTable?.lookup(ip) ?? null;
  }

  const hasNetworkSource = asn.length > 0 || tableOptions !== null;

  function databases(): GeoDatabaseStatus[] {
    const files = [...city, ...activeCity.filter((s) => s.fallback), ...asn] as Array<FileSlot<CityResponse | AsnResponse>>;
    const list: GeoDatabaseStatus[] = files.map((slot) => ({
      database: slot.kind,
      file: basename(slot.path),
      layout: slot.db ? (slot.kind === 'city' ? slot.layout : 'maxmind') : null,
      databaseType: slot.db?.databaseType ?? null,
      buildEpoch: slot.db?.buildEpoch ?? null,
      inUse: slot.db !== null && (slot.kind === 'city' ? activeCity.includes(slot as FileSlot<CityResponse>) : activeAsn === slot),
      error: slot.error,
    }));
    if (tableOptions && (activeTable !== null || asn.length === 0)) {
      list.push({
        database: 'asn',
        file: `${tableOptions.name}@${tableOptions.source.version}`,
        layout: 'ip-location-db',
        databaseType: activeTable ? 'ASN lists (CSV)' : null,
        buildEpoch: activeTable ? tableOptions.builtAt : null,
        inUse: activeTable !== null,
        error: tableError,
      });
    }
    return list;
  }

  return {
    lookup(ip: string): Location | null {
      const canonical = canonicalIp(ip);
      if (canonical === null || !isPublicIp(canonical)) return null;
      const location = locate(canonical);
      if (location && hasNetworkSource) location.asOrganization = owner(canonical)?.organization ?? null;
      return location;
    },
    network(ip: string): Network | null {
      const canonical = canonicalIp(ip);
      if (canonical === null || !isPublicIp(canonical)) return null;
      return owner(canonical);
    },
    status(): GeoStatus {
      const first = activeCity[0] ?? null;
      return {
        state: activeCity.length > 0 ? 'ok' : 'degraded',
        path: city[0]?.path ?? '',
        databaseType: first?.db?.databaseType ?? null,
        buildEpoch: first?.db?.buildEpoch ?? null,
        error: city.find((s) => s.error !== null)?.error ?? null,
        databases: databases(),
      };
    },
    droppedValues: () => ({ ...dropped }),
    reload(): Promise<void> {
      return enqueue(() => loadAll(true));
    },
    async close(): Promise<void> {
      closed = true;
      for (const stop of stops.splice(0)) stop();
      await queue;
    },
  };
}
