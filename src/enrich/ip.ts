import { BlockList, isIP } from 'node:net';

// The longest textual IPv6 form ("ffff:...:255.255.255.255") is 45 characters; anything longer
// cannot be a bare address and is refused before any parsing work.
const MAX_IP_TEXT_LENGTH = 45;

// Only hex digits, dots and colons can appear in a bare address. Refusing everything else up
// front rejects ports in brackets, CIDR suffixes, zone ids (`%eth0`), whitespace and host names,
// all of which node:net would otherwise accept or half-accept (isIP allows zone ids).
const BARE_IP_CHARS = /^[0-9A-Fa-f.:]+$/;

/**
 * The canonical text form of a bare IP address, or null when `input` is not one.
 * IPv4 stays dotted-decimal (leading zeros are refused: `01.2.3.4` is octal to some parsers);
 * IPv4-mapped IPv6 (`::ffff:1.2.3.4`, `::ffff:102:304`) becomes the IPv4 address; other IPv6 is
 * lower-case and compressed as RFC 5952 prescribes.
 */
export function canonicalIp(input: string): string | null {
  if (typeof input !== 'string' || input.length === 0 || input.length > MAX_IP_TEXT_LENGTH) {
    return null;
  }
  if (!BARE_IP_CHARS.test(input)) return null;
  const family = isIP(input);
  // node's isIPv4 already refuses leading zeros in octets, so a family-4 answer is canonical.
  if (family === 4) return input;
  if (family !== 6) return null;
  const groups = parseIpv6Groups(input);
  if (groups === null) return null;
  if (isIpv4Mapped(groups)) {
    return `${groups[6] >> 8}.${groups[6] & 0xff}.${groups[7] >> 8}.${groups[7] & 0xff}`;
  }
  return formatIpv6(groups);
}

/** Eight 16-bit groups of an address node:net has already validated as IPv6. */
function parseIpv6Groups(text: string): number[] | null {
  let head = text;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.indexOf('.', lastColon) !== -1) {
    // Embedded dotted quad in the last 32 bits.
    const quad = text.slice(lastColon + 1).split('.').map(Number);
    if (quad.length !== 4 || quad.some((n) => !Number.isInteger(n) || n > 255)) return null;
    tail.push((quad[0] << 8) | quad[1], (quad[2] << 8) | quad[3]);
    head = text.slice(0, lastColon + 1);
    // "::1.2.3.4" leaves "::"; "1::1.2.3.4" leaves "1::"; "1:2:3:4:5:6:1.2.3.4" leaves "...6:".
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const halves = head.split('::');
  if (halves.length > 2) return null;
  const toNumbers = (part: string): number[] =>
    part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16));
  const left = toNumbers(halves[0]);
  const right = halves.length === 2 ? toNumbers(halves[1]) : [];
  const explicit = left.length + right.length + tail.length;
  if (halves.length === 1 && explicit !== 8) return null;
  if (halves.length === 2 && explicit > 7) return null;
  const zeros = new Array<number>(8 - explicit).fill(0);
  const groups = halves.length === 2 ? [...left, ...zeros, ...right, ...tail] : [...left, ...tail];
  if (groups.some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff)) return null;
  return groups;
}

function isIpv4Mapped(groups: number[]): boolean {
  return groups[5] === 0xffff && groups.slice(0, 5).every((g) => g === 0);
}

/** RFC 5952 §4: lower-case hex, no leading zeros, `::` for the longest (first on ties) run of ≥ 2 zero groups. */
function formatIpv6(groups: number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(':');
  const left = hex.slice(0, bestStart).join(':');
  const right = hex.slice(bestStart + bestLength).join(':');
  return `${left}::${right}`;
}

// Address space that is not a routable, attributable public address. Geo lookups and risk rules
// treat these as "no location": a private or special address says nothing about where a person is.
const NON_PUBLIC_V4: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8], // private (RFC 1918)
  ['100.64.0.0', 10], // carrier-grade NAT (RFC 6598)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // TEST-NET-1 documentation
  ['192.31.196.0', 24], // AS112-v4
  ['192.52.193.0', 24], // AMT
  ['192.88.99.0', 24], // deprecated 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['192.175.48.0', 24], // direct delegation AS112
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, including 255.255.255.255 broadcast
];

// Special-purpose blocks inside 2000::/3 (everything outside it is refused separately below).
const NON_PUBLIC_V6: ReadonlyArray<readonly [string, number]> = [
  ['2001::', 23], // IETF protocol assignments: Teredo, benchmarking, ORCHID, AS112…
  ['2001:db8::', 32], // documentation
  ['2620:4f:8000::', 48], // AS112 direct delegation
  ['3fff::', 20], // documentation (RFC 9637)
];

// One list per family: a BlockList matches IPv4 addresses against IPv6 rules through their mapped
// form (::ffff:a.b.c.d lies inside ::/3), so mixing them would make every IPv4 address private.
const nonPublicV4 = new BlockList();
for (const [address, prefix] of NON_PUBLIC_V4) nonPublicV4.addSubnet(address, prefix, 'ipv4');

// IANA has only allocated 2000::/3 as global unicast; everything outside it (::, ::1, the
// IPv4-compatible and mapped blocks, 64:ff9b::/96 NAT64 whose owner is the IPv4 inside, ULA,
// link-local, multicast…) is not an address a person's device is publicly reachable at.
const nonPublicV6 = new BlockList();
for (const [address, prefix] of [['::', 3], ['4000::', 2], ['8000::', 1], ...NON_PUBLIC_V6] as const) {
  nonPublicV6.addSubnet(address, prefix, 'ipv6');
}

/**
 * True when `address` is a globally routable unicast address. Accepts any text form but is meant
 * for the output of canonicalIp; anything that is not an IP address is not public.
 */
export function isPublicIp(address: string): boolean {
  const canonical = canonicalIp(address);
  if (canonical === null) return false;
  return isIP(canonical) === 4 ? !nonPublicV4.check(canonical, 'ipv4') : !nonPublicV6.check(canonical, 'ipv6');
}
