import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

// The longest textual IPv6 form ("ffff:...:255.255.255.255") is 45 characters; anything longer
// cannot be a bare address and is refused before any parsing work.
const MAX_IP_TEXT_LENGTH = 45;

// Only hex digits, dots and colons can appear in a bare address. Refusing everything else up
// front rejects ports in brackets, CIDR suffixes, zone ids (`%eth0`), whitespace and host names,
// which the parsers would otherwise accept or half-accept.
const BARE_IP_CHARS = /^[0-9A-Fa-f.:]+$/;

/**
 * The canonical text form of a bare IP address, or null when `input` is not one.
 * IPv4 stays dotted-decimal (node:net validates it: leading zeros, octal and hex forms are refused,
 * where ipaddr.js would read `01.2.3.4` as octal); IPv4-mapped IPv6 (`::ffff:1.2.3.4`) becomes the
 * IPv4 address; other IPv6 is lower-case and compressed as RFC 5952 prescribes.
 */
export function canonicalIp(input: string): string | null {
  if (typeof input !== 'string' || input.length === 0 || input.length > MAX_IP_TEXT_LENGTH || !BARE_IP_CHARS.test(input)) return null;
  const family = isIP(input);
  if (family === 4) return input;
  if (family !== 6) return null;
  const address = ipaddr.IPv6.parse(withHexTail(input));
  return address.isIPv4MappedAddress() ? address.toIPv4Address().toString() : address.toRFC5952String();
}

/**
 * IPv6 text with an embedded dotted quad rewritten as its two hex groups. ipaddr.js reads any
 * "::a.b.c.d" as IPv4-mapped (::ffff:a.b.c.d), which would turn the deprecated IPv4-compatible
 * form ::1.2.3.4 (not routable) into the public IPv4 address 1.2.3.4.
 */
function withHexTail(text: string): string {
  const lastColon = text.lastIndexOf(':');
  if (text.indexOf('.', lastColon) === -1) return text;
  const [a, b, c, d] = text
    .slice(lastColon + 1)
    .split('.')
    .map(Number);
  return `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

// Address space that is not a routable, attributable public address. Geo lookups and risk rules
// treat these as "no location": a private or special address says nothing about where a person is.
const NON_PUBLIC_V4 = [
  '0.0.0.0/8', // "this network", unspecified
  '10.0.0.0/8', // private (RFC 1918)
  '100.64.0.0/10', // carrier-grade NAT (RFC 6598)
  '127.0.0.0/8', // loopback
  '169.254.0.0/16', // link-local
  '172.16.0.0/12', // private
  '192.0.0.0/24', // IETF protocol assignments
  '192.0.2.0/24', // TEST-NET-1 documentation
  '192.31.196.0/24', // AS112-v4
  '192.52.193.0/24', // AMT
  '192.88.99.0/24', // deprecated 6to4 relay anycast
  '192.168.0.0/16', // private
  '192.175.48.0/24', // direct delegation AS112
  '198.18.0.0/15', // benchmarking
  '198.51.100.0/24', // TEST-NET-2
  '203.0.113.0/24', // TEST-NET-3
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, including 255.255.255.255 broadcast
].map((cidr) => ipaddr.IPv4.parseCIDR(cidr));

// IANA has only allocated 2000::/3 as global unicast; everything outside it (::, ::1, the
// IPv4-compatible and mapped blocks, 64:ff9b::/96 NAT64 whose owner is the IPv4 inside, ULA,
// link-local, multicast…) is not an address a person's device is publicly reachable at.
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');
// Special-purpose blocks inside 2000::/3.
const NON_PUBLIC_V6 = [
  '2001::/23', // IETF protocol assignments: Teredo, benchmarking, ORCHID, AS112…
  '2001:db8::/32', // documentation
  '2620:4f:8000::/48', // AS112 direct delegation
  '3fff::/20', // documentation (RFC 9637)
].map((cidr) => ipaddr.IPv6.parseCIDR(cidr));

/**
 * True when `address` is a globally routable unicast address. Accepts any text form but is meant
 * for the output of canonicalIp; anything that is not an IP address is not public.
 */
export function isPublicIp(address: string): boolean {
  const canonical = canonicalIp(address);
  if (canonical === null) return false;
  if (isIP(canonical) === 4) {
    const v4 = ipaddr.IPv4.parse(canonical);
    return !NON_PUBLIC_V4.some((range) => v4.match(range));
  }
  const v6 = ipaddr.IPv6.parse(canonical);
  return v6.match(GLOBAL_UNICAST_V6) && !NON_PUBLIC_V6.some((range) => v6.match(range));
}

const SIX_TO_FOUR = ipaddr.IPv6.parseCIDR('2002::/16');
const TEREDO = ipaddr.IPv6.parseCIDR('2001::/32');

/**
 * The IPv4 addresses an IPv6 transition address carries, which is where traffic to it ends up:
 * 6to4 (2002::/16) holds one in bits 16–47; Teredo (2001::/32) holds its server in bits 32–63 and
 * its client, each bit inverted, in the last 32. Empty for any other address (or none).
 */
export function embeddedIpv4(address: string): string[] {
  const canonical = canonicalIp(address);
  if (canonical === null || isIP(canonical) !== 6) return [];
  const v6 = ipaddr.IPv6.parse(canonical);
  const bytes = v6.toByteArray();
  if (v6.match(SIX_TO_FOUR)) return [bytes.slice(2, 6).join('.')];
  if (v6.match(TEREDO))
    return [
      bytes.slice(4, 8).join('.'),
      bytes
        .slice(12, 16)
        .map((b) => b ^ 0xff)
        .join('.'),
    ];
  return [];
}

/** A network in CIDR form, with the bounds of its range as PostgreSQL's inet orders them. */
export interface NetworkRange {
  /** The network, host bits cleared: "81.2.69.0/24", "2a02:1234:5678::/48". */
  cidr: string;
  /** The lowest inet of the range (the network itself). */
  first: string;
  /** Its last address. */
  last: string;
}

/**
 * A network given as "address/prefix", or null when it is not one. The address part must be a
 * bare address as canonicalIp accepts it; an IPv4-mapped IPv6 network (::ffff:81.2.69.0/120)
 * becomes the IPv4 network, as stored addresses do.
 */
export function parseNetwork(input: string): NetworkRange | null {
  if (typeof input !== 'string' || input.length > MAX_IP_TEXT_LENGTH + 4) return null;
  const match = /^([0-9A-Fa-f.:]+)\/(\d{1,3})$/.exec(input);
  if (!match) return null;
  const address = canonicalIp(match[1]);
  if (address === null) return null;
  const v4 = isIP(address) === 4;
  let prefix = Number(match[2]);
  if (v4 && isIP(match[1]) === 6) {
    if (prefix < 96) return null;
    prefix -= 96;
  }
  if (prefix > (v4 ? 32 : 128)) return null;
  const text = `${address}/${prefix}`;
  const first = v4 ? ipaddr.IPv4.networkAddressFromCIDR(text).toString() : ipaddr.IPv6.networkAddressFromCIDR(text).toRFC5952String();
  const last = v4 ? ipaddr.IPv4.broadcastAddressFromCIDR(text).toString() : ipaddr.IPv6.broadcastAddressFromCIDR(text).toRFC5952String();
  return { cidr: `${first}/${prefix}`, first: `${first}/${prefix}`, last };
}
