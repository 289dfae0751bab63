import { basename, join } from 'node:path';
import type { Registry } from 'prom-client';
import type { GeoipConfig } from '../../config.js';
import type { GeoLookup } from '../types.js';
import { BUNDLED_ASN, BUNDLED_CITY_DBS } from './bundled.js';
import { ASN_TYPE, CITY_TYPE } from './database.js';
import { openGeoLookup, type GeoLogger, type OpenGeoLookupOptions } from './lookup.js';
import { createGeoMetrics } from './metrics.js';
import { createGeoUpdater, type GeoEdition, type GeoUpdater } from './updater.js';

export { BUNDLED_ASN, BUNDLED_CITY_DBS } from './bundled.js';
export { openGeoLookup } from './lookup.js';
export type { GeoUpdater } from './updater.js';

/** The bundled ASN lists as a lookup source, their compiled table cached in `dir`. */
export function bundledAsnTable(dir: string): NonNullable<OpenGeoLookupOptions['asnTable']> {
  return { dir, source: BUNDLED_ASN, builtAt: BUNDLED_ASN.builtAt, name: BUNDLED_ASN.name };
}

/**
 * Where the data comes from. Without MaxMind credentials: GEOIP_CITY_DB (or the bundled City
 * data) and GEOIP_ASN_DB (or the bundled ASN lists). With them, the files the updater keeps in
 * GEOIP_DIR come first, and what would serve without credentials serves until they exist.
 */
export function geoSources(geoip: GeoipConfig): { lookup: Omit<OpenGeoLookupOptions, 'logger'>; editions: GeoEdition[] } {
  const city = geoip.cityDb ?? BUNDLED_CITY_DBS;
  const table = bundledAsnTable(geoip.dir);
  if (geoip.maxmind === null) {
    return { lookup: { cityDbPaths: city, asnDbPath: geoip.asnDb, asnTable: geoip.asnDb ? null : table }, editions: [] };
  }
  const editions: GeoEdition[] = [
    { database: 'city', edition: geoip.cityEdition, path: join(geoip.dir, `${geoip.cityEdition}.mmdb`), expected: CITY_TYPE },
  ];
  if (geoip.asnEdition !== null) {
    editions.push({ database: 'asn', edition: geoip.asnEdition, path: join(geoip.dir, `${geoip.asnEdition}.mmdb`), expected: ASN_TYPE });
  }
  const asnPath = editions[1]?.path ?? geoip.asnDb;
  return {
    lookup: {
      cityDbPaths: [editions[0].path],
      cityFallbackPaths: city,
      asnDbPath: asnPath,
      asnTable: editions[1] || !geoip.asnDb ? table : null,
    },
    editions,
  };
}

export interface GeoFeature {
  geo: GeoLookup;
  /** Keeps the files current from MaxMind; null without credentials. */
  updater: GeoUpdater | null;
  metrics: Registry;
}

/** The lookup the app serves from, the updater that keeps its files current, and their metrics. */
export async function openConfiguredGeo(geoip: GeoipConfig, logger: GeoLogger): Promise<GeoFeature> {
  const sources = geoSources(geoip);
  const geo = await openGeoLookup({ ...sources.lookup, logger, watch: true });
  const metrics = createGeoMetrics(geo);
  if (geoip.maxmind === null || sources.editions.length === 0) return { geo, updater: null, metrics: metrics.registry };
  const updater = createGeoUpdater({
    baseUrl: geoip.downloadUrl,
    accountId: geoip.maxmind.accountId,
    licenseKey: geoip.maxmind.licenseKey,
    editions: sources.editions,
    intervalMs: geoip.updateIntervalSeconds * 1000,
    logger,
    onReplaced: () => geo.reload?.() ?? Promise.resolve(),
    loadedBuild: (path) => geo.status().databases.find((d) => d.inUse && d.file === basename(path))?.buildEpoch ?? null,
    onOutcome: metrics.updateChecked,
  });
  return { geo, updater, metrics: metrics.registry };
}

/** A lookup made elsewhere (a test's), as a feature: its age reported, nothing to update. */
export function givenGeo(geo: GeoLookup): GeoFeature {
  return { geo, updater: null, metrics: createGeoMetrics(geo).registry };
}
