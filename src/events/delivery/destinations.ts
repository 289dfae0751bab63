import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { embeddedIpv4, isPublicIp } from '../../enrich/ip.js';

// Where a webhook may go. An endpoint URL is checked when it is set and again before every
// delivery: the name is resolved, every address it resolves to must be public, and the delivery
// then connects to the address that was checked (see sender.ts), so a DNS answer that changes
// between the check and the connection cannot point it inside the network.

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has (tests give one that never leaves the machine). */
export type Resolve = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolve: Resolve = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

export interface DestinationPolicy {
  allowPrivateNetworks: boolean;
  httpsOnly: boolean;
  resolve: Resolve;
  /** A resolver that does not answer within this is a name that does not resolve. */
  resolveTimeoutMs: number;
}

async function resolveWithin(policy: DestinationPolicy, host: string): Promise<ResolvedAddress[]> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DestinationRefusedError(`url's host ${host} did not resolve within ${policy.resolveTimeoutMs} ms.`)),
      policy.resolveTimeoutMs,
    );
  });
  try {
    return await Promise.race([policy.resolve(host), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The URL cannot be a webhook destination; `message` says why, in words fit for the caller. */
export class DestinationRefusedError extends Error {
  override readonly name = 'DestinationRefusedError';
}

// Names that only ever mean something inside a network, refused before any lookup is made.
const INTERNAL_NAME = /(^|\.)(localhost|local|internal|intranet|lan|home\.arpa|localdomain)$/i;

/** The URL's form: http(s), no credentials, a host; https only when the policy says so. */
export function parseDestination(text: string, policy: Pick<DestinationPolicy, 'httpsOnly' | 'allowPrivateNetworks'>): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new DestinationRefusedError('url is not an absolute URL.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new DestinationRefusedError('url must be an http or https URL.');
  if (policy.httpsOnly && url.protocol !== 'https:') throw new DestinationRefusedError('url must be an https URL.');
  if (url.username || url.password) throw new DestinationRefusedError('url must not carry credentials.');
  if (!url.hostname) throw new DestinationRefusedError('url has no host.');
  const host = bareHost(url);
  if (!policy.allowPrivateNetworks && isIP(host) === 0 && (!host.includes('.') || INTERNAL_NAME.test(host.replace(/\.$/, '')))) {
    throw new DestinationRefusedError('url names a host inside a private network.');
  }
  url.hash = '';
  return url;
}

/** The host without IPv6 brackets. */
export const bareHost = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

/**
 * Resolves the URL's host and checks every address; the address to connect to. A literal address
 * is checked as it is, with no lookup.
 */
export async function resolveDestination(url: URL, policy: DestinationPolicy): Promise<ResolvedAddress> {
  const host = bareHost(url);
  const family = isIP(host);
  let addresses: ResolvedAddress[];
  if (family !== 0) {
    addresses = [{ address: host, family: family === 6 ? 6 : 4 }];
  } else {
    try {
      addresses = await resolveWithin(policy, host);
    } catch (error) {
      if (error instanceof DestinationRefusedError) throw error;
      throw new DestinationRefusedError(`url's host ${host} does not resolve.`);
    }
  }
  if (addresses.length === 0) throw new DestinationRefusedError(`url's host ${host} does not resolve.`);
  if (!policy.allowPrivateNetworks) {
    // The address is not named: for a host name it would tell the caller (and the attempt log)
    // what an internal name resolves to.
    for (const { address } of addresses) {
      if (!isPublicDestination(address))
        throw new DestinationRefusedError(
          family === 0 ? "url's host resolves to an address that is not public." : 'url names an address that is not public.',
        );
    }
  }
  return addresses[0];
}

/**
 * A public address that does not lead inside by another way: a 6to4 or Teredo address is judged by
 * the IPv4 address it carries too (2002:a9fe:a9fe::1 reaches 169.254.169.254 through a relay).
 */
export function isPublicDestination(address: string): boolean {
  return isPublicIp(address) && embeddedIpv4(address).every(isPublicIp);
}
