import { readFile } from 'node:fs/promises';
import { LRUCache } from 'lru-cache';
import { Reader } from 'maxmind';
import type { AsnResponse, CityResponse, Response } from 'maxmind';

// Every MaxMind DB ends with a metadata section introduced by this marker ("\xAB\xCD\xEFMaxMind.com").
// Looking for it first gives an operator a clear reason instead of the decoder's "Unknown type 110".
const METADATA_MARKER = Buffer.from('abcdef4d61784d696e642e636f6d', 'hex');
const METADATA_SEARCH_WINDOW = 128 * 1024;
// Decoded records are shared by many addresses (every IP of a city points at one record), so a
// small pointer-keyed cache saves most of the decoding work on repeated cities.
const DECODE_CACHE_SIZE = 10_000;

export interface LoadedDatabase<T extends Response> {
  reader: Reader<T>;
  databaseType: string;
  buildEpoch: string | null;
  /** 4: the file holds IPv4 networks only; 6: IPv6, and IPv4 under ::/96 when the file has any. */
  ipVersion: number;
}

/**
 * Reads and validates a MaxMind DB file whose `metadata.databaseType` matches `expected`
 * (a Country or ASN file where a City one is configured is refused, not silently half-used).
 * Throws an Error whose message is a short reason an operator can act on.
 */
export async function loadDatabase<T extends Response>(path: string, expected: ExpectedType): Promise<LoadedDatabase<T>> {
  let buffer: Buffer;
  try {
    buffer = await readFile(path);
  } catch (error) {
    throw new Error(describeFsError(error));
  }
  if (buffer.length === 0) throw new Error('the file is empty');
  if (buffer[0] === 0x1f && buffer[1] === 0x8b) {
    throw new Error('the file is gzip-compressed; extract the .mmdb file first');
  }
  const searchFrom = Math.max(0, buffer.length - METADATA_SEARCH_WINDOW);
  if (buffer.subarray(searchFrom).lastIndexOf(METADATA_MARKER) === -1) {
    throw new Error('not a MaxMind DB file (no metadata section found)');
  }
  let reader: Reader<T>;
  try {
    reader = new Reader<T>(buffer, { cache: new LRUCache<number, object>({ max: DECODE_CACHE_SIZE }) });
  } catch (error) {
    throw new Error(`corrupt MaxMind DB file (${firstLine(error)})`);
  }
  const databaseType = String(reader.metadata.databaseType ?? '');
  if (!expected.pattern.test(databaseType)) {
    throw new Error(`wrong database type "${databaseType || 'unknown'}" (${expected.description} is expected)`);
  }
  const epoch = reader.metadata.buildEpoch;
  const buildEpoch = epoch instanceof Date && !Number.isNaN(epoch.getTime()) ? epoch.toISOString() : null;
  return { reader, databaseType, buildEpoch, ipVersion: Number(reader.metadata.ipVersion) };
}

export interface ExpectedType {
  pattern: RegExp;
  description: string;
}
// GeoIP2 Enterprise is a superset of City with the same record shape; ip-location-db's City files
// are typed "city ipv4" and "city ipv6" (see layouts.ts).
export const CITY_TYPE: ExpectedType = { pattern: /City|Enterprise|^city ipv[46]$/, description: 'a City database' };
// GeoIP2 ISP records carry the same two autonomous_system_* fields as GeoLite2 ASN.
export const ASN_TYPE: ExpectedType = { pattern: /ASN|ISP|^asn ipv[46]$/, description: 'an ASN database' };
export type CityDatabase = LoadedDatabase<CityResponse>;
export type AsnDatabase = LoadedDatabase<AsnResponse>;

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'path is a directory, not a file';
  return `cannot read the file (${code ?? firstLine(error)})`;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n', 1)[0].slice(0, 200);
}
