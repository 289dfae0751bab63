import { readFileSync } from 'node:fs';
import type { Network } from '../types.js';
import { parseRows, rangesToBoundaries } from './asn-ranges.js';

// The network owner of an address from the ip-location-db ASN lists (CSV rows of inclusive
// ranges: start, end, AS number, organisation), held as sorted typed arrays and searched by
// bisection. Each range becomes one boundary (its start) pointing at an (AS, organisation) pair;
// an address between ranges falls on a boundary pointing at pair 0, "unknown". Organisation
// names are stored once each as UTF-8 and decoded on first use, so the table costs a few bytes
// per range and almost nothing in the JavaScript heap.

export interface AsnTable {
  lookup(ip: string): Network | null;
  /** Ranges (boundaries, gaps included) per family, pairs and organisations: for the logs. */
  readonly counts: { v4: number; v6: number; pairs: number; organizations: number };
  /** The encoded table, as cached on disk. */
  readonly bytes: Buffer;
}

interface Arrays {
  v4Starts: Uint32Array;
  v4Values: Uint32Array;
  /** Four big-endian-ordered 32-bit words per IPv6 start. */
  v6Starts: Uint32Array;
  v6Values: Uint32Array;
  pairAsn: Uint32Array;
  pairOrg: Uint32Array;
  orgOffsets: Uint32Array;
  orgBytes: Uint8Array;
}

const MAGIC = Buffer.from('SRASNTB1', 'latin1');

/** Builds the table from the IPv4 (numeric) and IPv6 (textual) CSV files of the asn package. */
export function buildAsnTable(ipv4NumCsv: string, ipv6Csv: string): AsnTable {
  const pairs = new Map<string, number>([['', 0]]);
  const pairAsn: number[] = [0];
  const pairOrg: number[] = [0];
  const organizations = new Map<string, number>([['', 0]]);
  const pairOf = (asn: number, organization: string): number => {
    let org = organizations.get(organization);
    if (org === undefined) {
      org = organizations.size;
      organizations.set(organization, org);
    }
    const key = `${asn}|${org}`;
    let pair = pairs.get(key);
    if (pair === undefined) {
      pair = pairAsn.length;
      pairs.set(key, pair);
      pairAsn.push(asn);
      pairOrg.push(org);
    }
    return pair;
  };

  const v4 = rangesToBoundaries(
    1,
    parseRows(
      readFileSync(ipv4NumCsv, 'utf8'),
      (field) => {
        const n = Number(field);
        return Number.isInteger(n) && n >= 0 && n <= 0xffffffff ? [n] : null;
      },
      pairOf,
    ),
  );
  const v6 = rangesToBoundaries(4, parseRows(readFileSync(ipv6Csv, 'utf8'), ipv6Words, pairOf));

  const names = [...organizations.keys()].map((name) => Buffer.from(name, 'utf8'));
  const orgOffsets = new Uint32Array(names.length + 1);
  for (let i = 0; i < names.length; i++) orgOffsets[i + 1] = orgOffsets[i] + names[i].length;
  const arrays: Arrays = {
    v4Starts: Uint32Array.from(v4.starts),
    v4Values: Uint32Array.from(v4.values),
    v6Starts: Uint32Array.from(v6.starts),
    v6Values: Uint32Array.from(v6.values),
    pairAsn: Uint32Array.from(pairAsn),
    pairOrg: Uint32Array.from(pairOrg),
    orgOffsets,
    orgBytes: new Uint8Array(Buffer.concat(names)),
  };
  // Read back from the encoded bytes, so the lookup and the cache share one copy.
  return decodeAsnTable(encode(arrays));
}

/** Reads an encoded table; throws when the bytes are not one (the caller rebuilds). */
export function decodeAsnTable(bytes: Buffer): AsnTable {
  if (bytes.length < 16 || !bytes.subarray(0, 8).equals(MAGIC)) throw new Error('not an ASN table');
  // The arrays are read in place, so the buffer must start on a 4-byte boundary.
  const buffer = bytes.byteOffset % 4 === 0 ? bytes : Buffer.from(bytes);
  const littleEndian = buffer.readUInt32LE(8) === 1;
  if (littleEndian !== isLittleEndian()) throw new Error('the table was written on a machine of the other byte order');
  const lengths = Array.from({ length: 8 }, (_, i) => buffer.readUInt32LE(12 + i * 4));
  let offset = 12 + 8 * 4;
  const words = (count: number): Uint32Array => {
    if (offset + count * 4 > buffer.length) throw new Error('the ASN table is truncated');
    const view = new Uint32Array(buffer.buffer, buffer.byteOffset + offset, count);
    offset += count * 4;
    return view;
  };
  const arrays: Arrays = {
    v4Starts: words(lengths[0]),
    v4Values: words(lengths[1]),
    v6Starts: words(lengths[2]),
    v6Values: words(lengths[3]),
    pairAsn: words(lengths[4]),
    pairOrg: words(lengths[5]),
    orgOffsets: words(lengths[6]),
    orgBytes: new Uint8Array(0),
  };
  if (offset + lengths[7] !== buffer.length) throw new Error('the ASN table has the wrong length');
  arrays.orgBytes = new Uint8Array(buffer.buffer, buffer.byteOffset + offset, lengths[7]);
  if (arrays.v4Starts.length !== arrays.v4Values.length || arrays.v6Starts.length !== arrays.v6Values.length * 4) {
    throw new Error('the ASN table is inconsistent');
  }
  return tableFrom(arrays, buffer);
}

function encode(a: Arrays): Buffer {
  const parts = [a.v4Starts, a.v4Values, a.v6Starts, a.v6Values, a.pairAsn, a.pairOrg, a.orgOffsets];
  const header = Buffer.alloc(12 + 8 * 4);
  MAGIC.copy(header, 0);
  header.writeUInt32LE(isLittleEndian() ? 1 : 0, 8);
  parts.forEach((part, i) => header.writeUInt32LE(part.length, 12 + i * 4));
  header.writeUInt32LE(a.orgBytes.length, 12 + 7 * 4);
  return Buffer.concat([header, ...parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)), Buffer.from(a.orgBytes)]);
}

function tableFrom(a: Arrays, bytes: Buffer): AsnTable {
  const names: Array<string | undefined> = new Array(a.orgOffsets.length - 1);
  const orgBuffer = Buffer.from(a.orgBytes.buffer, a.orgBytes.byteOffset, a.orgBytes.byteLength);
  const network = (pair: number): Network | null => {
    if (pair === 0 || pair >= a.pairAsn.length) return null;
    const org = a.pairOrg[pair];
    let organization = names[org];
    if (organization === undefined && org < names.length) {
      organization = orgBuffer.toString('utf8', a.orgOffsets[org], a.orgOffsets[org + 1]);
      names[org] = organization;
    }
    return { asn: a.pairAsn[pair], organization: organization || null };
  };
  return {
    counts: { v4: a.v4Starts.length, v6: a.v6Values.length, pairs: a.pairAsn.length - 1, organizations: names.length - 1 },
    bytes,
    lookup(ip: string): Network | null {
      if (ip.includes(':')) {
        const key = ipv6Words(ip);
        return key === null ? null : network(a.v6Values[lastAtOrBelow6(a.v6Starts, key)] ?? 0);
      }
      const key = ipv4Number(ip);
      return key === null ? null : network(a.v4Values[lastAtOrBelow4(a.v4Starts, key)] ?? 0);
    },
  };
}

/** Index of the last start ≤ key, or -1 (then the typed array answers undefined). */
function lastAtOrBelow4(starts: Uint32Array, key: number): number {
  let low = 0;
  let high = starts.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    if (starts[mid] <= key) {
      found = mid;
      low = mid + 1;
    } else high = mid - 1;
  }
  return found;
}

function lastAtOrBelow6(starts: Uint32Array, key: number[]): number {
  let low = 0;
  let high = starts.length / 4 - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    if (compare6(starts, mid * 4, key) <= 0) {
      found = mid;
      low = mid + 1;
    } else high = mid - 1;
  }
  return found;
}

function compare6(starts: Uint32Array, at: number, key: number[]): number {
  for (let i = 0; i < 4; i++) {
    const d = starts[at + i] - key[i];
    if (d !== 0) return d;
  }
  return 0;
}

function ipv4Number(ip: string): number | null {
  const parts = ip.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    const n = Number(part);
    if (!Number.isInteger(n) || n < 0 || n > 255 || part === '') return null;
    value = value * 256 + n;
  }
  return value;
}

/** Four 32-bit words of a textual IPv6 address (no embedded dotted quad), or null. */
export function ipv6Words(text: string): number[] | null {
  // Groups before and after "::", parsed in one pass over the characters (no regex, no split:
  // this runs on every IPv6 lookup).
  const head: number[] = [];
  const tail: number[] = [];
  let groups = head;
  let value = 0;
  let digits = 0;
  let compressed = false;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 58;
    const digit = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (digit >= 0) {
      if (++digits > 4) return null;
      value = value * 16 + digit;
      continue;
    }
    if (c !== 58) return null;
    if (digits > 0) groups.push(value);
    else if (i > 0 && i < text.length && text.charCodeAt(i - 1) === 58) {
      // "::" (its second colon)
      if (compressed) return null;
      compressed = true;
      groups = tail;
    } else if (i === text.length ? !(compressed && text.endsWith('::')) : text.charCodeAt(i + 1) !== 58) {
      // A lone colon at the start or the end, or "::" where one was already seen.
      return null;
    }
    value = 0;
    digits = 0;
  }
  const missing = 8 - head.length - tail.length;
  if (compressed ? missing < 1 : missing !== 0) return null;
  const all = compressed ? [...head, ...new Array<number>(missing).fill(0), ...tail] : head;
  return [
    ((all[0] << 16) | all[1]) >>> 0,
    ((all[2] << 16) | all[3]) >>> 0,
    ((all[4] << 16) | all[5]) >>> 0,
    ((all[6] << 16) | all[7]) >>> 0,
  ];
}

function isLittleEndian(): boolean {
  return new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
}
