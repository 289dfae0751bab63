// GeoIP files for tests, in MaxMind's own layouts, written with the test mmdb writer.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from 'tar';
import { uint, writeMmdb, type MmdbNetwork } from './mmdb-writer.js';

export interface CityEntry {
  network: string;
  countryCode: string;
  /** As MaxMind names it in English. */
  country: string;
  region?: string;
  city?: string;
  latitude?: number;
  longitude?: number;
  /** Omitted: the record has no accuracy_radius. */
  radiusKm?: number;
  timeZone?: string;
}

/** A GeoIP2/GeoLite2 City record as MaxMind lays it out. */
export function maxMindCityRecord(entry: CityEntry): Record<string, unknown> {
  const record: Record<string, unknown> = {
    continent: { code: 'XX', geoname_id: uint(1, 32), names: { en: 'Somewhere' } },
    country: { geoname_id: uint(2, 32), iso_code: entry.countryCode, names: { en: entry.country, de: `${entry.country} (de)` } },
    registered_country: { geoname_id: uint(2, 32), iso_code: entry.countryCode, names: { en: entry.country } },
  };
  if (entry.region) record.subdivisions = [{ geoname_id: uint(3, 32), iso_code: 'RG', names: { en: entry.region } }];
  if (entry.city) record.city = { geoname_id: uint(4, 32), names: { en: entry.city, fr: `${entry.city} (fr)` } };
  if (entry.latitude !== undefined && entry.longitude !== undefined) {
    const location: Record<string, unknown> = { latitude: entry.latitude, longitude: entry.longitude };
    if (entry.radiusKm !== undefined) location.accuracy_radius = uint(entry.radiusKm, 16);
    if (entry.timeZone) location.time_zone = entry.timeZone;
    record.location = location;
  }
  return record;
}

export function writeMaxMindCity(path: string, entries: CityEntry[], options: { databaseType?: string; buildEpoch?: Date } = {}): Buffer {
  const bytes = writeMmdb({
    databaseType: options.databaseType ?? 'GeoLite2-City',
    ipVersion: 6,
    buildEpoch: options.buildEpoch ?? new Date('2026-06-16T10:00:00Z'),
    languages: ['de', 'en', 'fr'],
    description: { en: 'test City database' },
    networks: entries.map((entry): MmdbNetwork => ({ network: entry.network, data: maxMindCityRecord(entry) })),
  });
  writeFileSync(path, bytes);
  return bytes;
}

/** A GeoLite2 Country file: a valid MaxMind DB of the wrong type where City or ASN is expected. */
export function writeMaxMindCountry(path: string): Buffer {
  const bytes = writeMmdb({
    databaseType: 'GeoLite2-Country',
    ipVersion: 6,
    buildEpoch: new Date('2026-06-16T10:00:00Z'),
    networks: [{ network: '8.8.8.0/24', data: { country: { iso_code: 'US', names: { en: 'United States' } } } }],
  });
  writeFileSync(path, bytes);
  return bytes;
}

export function writeMaxMindAsn(
  path: string,
  networks: Array<{ network: string; asn: number; organization: string }>,
  buildEpoch = new Date('2026-06-16T10:00:00Z'),
): Buffer {
  const bytes = writeMmdb({
    databaseType: 'GeoLite2-ASN',
    ipVersion: 6,
    buildEpoch,
    networks: networks.map(({ network, asn, organization }) => ({
      network,
      data: { autonomous_system_number: uint(asn, 32), autonomous_system_organization: organization },
    })),
  });
  writeFileSync(path, bytes);
  return bytes;
}

/** A tar.gz laid out as MaxMind's downloads are: `<edition>_<YYYYMMDD>/<edition>.mmdb` and licence files. */
export async function maxMindArchive(edition: string, day: string, members: Record<string, Buffer | string>): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'maxmind-archive-'));
  try {
    const top = `${edition}_${day}`;
    mkdirSync(join(dir, top));
    for (const [name, content] of Object.entries(members)) writeFileSync(join(dir, top, name), content);
    const file = join(dir, 'archive.tar.gz');
    await create({ gzip: true, cwd: dir, file, portable: true }, [top]);
    return readFileSync(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
