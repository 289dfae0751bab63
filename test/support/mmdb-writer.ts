// A small MaxMind DB writer (format 2.0) for tests: a search tree with 32-bit records, a data
// section with each distinct record written once, and the metadata map. No maintained npm writer
// exists, and tests need files of MaxMind's own layouts (City, Country, ASN) with known contents.
// Format: https://maxmind.github.io/MaxMind-DB/
import { isIP } from 'node:net';

export interface MmdbNetwork {
  /** CIDR, e.g. "81.2.69.0/24" or "2a00:1450::/32". IPv4 networks go under ::/96 in an IPv6 tree. */
  network: string;
  data: Record<string, unknown>;
}

export interface MmdbOptions {
  databaseType: string;
  ipVersion: 4 | 6;
  buildEpoch: Date;
  languages?: string[];
  description?: Record<string, string>;
  networks: MmdbNetwork[];
}

const METADATA_MARKER = Buffer.from('abcdef4d61784d696e642e636f6d', 'hex');

type Record_ = { kind: 'empty' } | { kind: 'data'; offset: number } | { kind: 'node'; node: TreeNode };
interface TreeNode {
  children: [Record_, Record_];
  index: number;
}

export function writeMmdb(options: MmdbOptions): Buffer {
  const data = new DataWriter();
  const root: TreeNode = { children: [{ kind: 'empty' }, { kind: 'empty' }], index: -1 };
  const depth = options.ipVersion === 6 ? 128 : 32;
  // Wider networks first, so that a more specific one written later wins inside them.
  const networks = options.networks
    .map(({ network, data: record }) => ({ ...networkBits(network, options.ipVersion), record }))
    .sort((a, b) => a.prefix - b.prefix);
  for (const { bits, prefix, record } of networks) insert(root, bits, prefix, data.offsetOf(record), depth);

  const nodes: TreeNode[] = [];
  const queue: TreeNode[] = [root];
  while (queue.length > 0) {
    const node = queue.shift() as TreeNode;
    node.index = nodes.length;
    nodes.push(node);
    for (const child of node.children) if (child.kind === 'node') queue.push(child.node);
  }
  const nodeCount = nodes.length;
  const tree = Buffer.alloc(nodeCount * 8);
  for (const node of nodes) {
    node.children.forEach((child, side) => {
      const value = child.kind === 'node' ? child.node.index : child.kind === 'data' ? nodeCount + 16 + child.offset : nodeCount;
      tree.writeUInt32BE(value, node.index * 8 + side * 4);
    });
  }

  const metadata = new DataWriter();
  metadata.offsetOf({
    binary_format_major_version: uint(2, 16),
    binary_format_minor_version: uint(0, 16),
    build_epoch: BigInt(Math.floor(options.buildEpoch.getTime() / 1000)),
    database_type: options.databaseType,
    description: options.description ?? {},
    ip_version: uint(options.ipVersion, 16),
    languages: options.languages ?? [],
    node_count: uint(nodeCount, 32),
    record_size: uint(32, 16),
  });
  return Buffer.concat([tree, Buffer.alloc(16), data.bytes(), METADATA_MARKER, metadata.bytes()]);
}

function insert(root: TreeNode, bits: number[], prefix: number, offset: number, depth: number): void {
  if (prefix === 0 || prefix > depth) throw new Error(`prefix /${prefix} is not supported`);
  let node = root;
  for (let i = 0; i < prefix - 1; i++) {
    const side = bits[i];
    const child = node.children[side];
    if (child.kind === 'node') {
      node = child.node;
      continue;
    }
    // A more specific network inside one already written: split, both halves keep the outer data.
    const next: TreeNode = { children: [child, child], index: -1 };
    node.children[side] = { kind: 'node', node: next };
    node = next;
  }
  node.children[bits[prefix - 1]] = { kind: 'data', offset };
}

function networkBits(cidr: string, ipVersion: 4 | 6): { bits: number[]; prefix: number } {
  const [address, prefixText] = cidr.split('/');
  const family = isIP(address);
  if (family === 0) throw new Error(`not an address: ${address}`);
  let prefix = Number(prefixText ?? (family === 4 ? 32 : 128));
  let bytes = family === 4 ? address.split('.').map(Number) : ipv6Bytes(address);
  if (family === 4 && ipVersion === 6) {
    bytes = [...new Array<number>(12).fill(0), ...bytes];
    prefix += 96;
  }
  if (family === 6 && ipVersion === 4) throw new Error('an IPv6 network in an IPv4 tree');
  const bits = bytes.flatMap((byte) => Array.from({ length: 8 }, (_, i) => (byte >> (7 - i)) & 1));
  return { bits, prefix };
}

function ipv6Bytes(text: string): number[] {
  const [head, tail] = text.split('::');
  const groups = (part: string | undefined) => (part ? part.split(':').map((g) => Number.parseInt(g, 16)) : []);
  const left = groups(head);
  const right = groups(tail);
  const all = tail === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return all.flatMap((g) => [g >> 8, g & 0xff]);
}

/** An unsigned integer written with the given type width (MaxMind uses uint16 and uint32 fields). */
export function uint(value: number, width: 16 | 32): { uint: number; width: 16 | 32 } {
  return { uint: value, width };
}

function isUint(value: unknown): value is { uint: number; width: 16 | 32 } {
  return typeof value === 'object' && value !== null && 'uint' in value && 'width' in value;
}

class DataWriter {
  private readonly chunks: Buffer[] = [];
  private length = 0;
  private readonly seen = new Map<string, number>();

  offsetOf(value: Record<string, unknown>): number {
    const key = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
    const known = this.seen.get(key);
    if (known !== undefined) return known;
    const offset = this.length;
    const bytes = encode(value);
    this.chunks.push(bytes);
    this.length += bytes.length;
    this.seen.set(key, offset);
    return offset;
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

// Type numbers of the data section; 8 and above are written as "extended" types.
const UTF8 = 2;
const DOUBLE = 3;
const UINT16 = 5;
const UINT32 = 6;
const MAP = 7;
const INT32 = 8;
const UINT64 = 9;
const ARRAY = 11;
const BOOLEAN = 14;

function encode(value: unknown): Buffer {
  if (typeof value === 'string') return withControl(UTF8, Buffer.from(value, 'utf8'));
  if (typeof value === 'boolean') return control(BOOLEAN, value ? 1 : 0);
  if (typeof value === 'bigint') return withControl(UINT64, minimalBigEndian(value));
  if (isUint(value)) return withControl(value.width === 16 ? UINT16 : UINT32, minimalBigEndian(BigInt(value.uint)));
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0 && value < 2 ** 32) return withControl(UINT32, minimalBigEndian(BigInt(value)));
    if (Number.isInteger(value) && value < 0 && value >= -(2 ** 31)) {
      const bytes = Buffer.alloc(4);
      bytes.writeInt32BE(value);
      return withControl(INT32, bytes);
    }
    const bytes = Buffer.alloc(8);
    bytes.writeDoubleBE(value);
    return withControl(DOUBLE, bytes);
  }
  if (Array.isArray(value)) return Buffer.concat([control(ARRAY, value.length), ...value.map(encode)]);
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    return Buffer.concat([control(MAP, entries.length), ...entries.flatMap(([k, v]) => [encode(k), encode(v)])]);
  }
  throw new Error(`cannot encode ${typeof value}`);
}

function withControl(type: number, payload: Buffer): Buffer {
  return Buffer.concat([control(type, payload.length), payload]);
}

function control(type: number, size: number): Buffer {
  const head: number[] = [];
  let sizeBits: number;
  let extra: number[] = [];
  if (size < 29) sizeBits = size;
  else if (size < 285) {
    sizeBits = 29;
    extra = [size - 29];
  } else if (size < 65821) {
    sizeBits = 30;
    extra = [(size - 285) >> 8, (size - 285) & 0xff];
  } else {
    sizeBits = 31;
    const rest = size - 65821;
    extra = [(rest >> 16) & 0xff, (rest >> 8) & 0xff, rest & 0xff];
  }
  if (type <= 7) head.push((type << 5) | sizeBits);
  else head.push(sizeBits, type - 7);
  return Buffer.from([...head, ...extra]);
}

function minimalBigEndian(value: bigint): Buffer {
  const bytes: number[] = [];
  for (let v = value; v > 0n; v >>= 8n) bytes.unshift(Number(v & 0xffn));
  return Buffer.from(bytes);
}
