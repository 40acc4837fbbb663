import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

// A webhook URL is the tenant's to choose, and Baton POSTs to it from inside the deployment's
// network: without a guard, a tenant could make Baton reach its database, a cloud metadata service
// (169.254.169.254) or an admin page on localhost. Node's own BlockList classifies addresses, so no
// dependency is needed for it.

/** Loopback, private, shared (CGNAT), link-local, unique-local, multicast, unspecified and reserved ranges. */
const PRIVATE = new BlockList();
const V4: [string, number][] = [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
];
// ::/96 holds :: and ::1 (and the old IPv4-compatible form); 64:ff9b::/96 and 64:ff9b:1::/48 reach IPv4
// through a NAT64 gateway, private ranges included. IPv4-mapped addresses (::ffff:a.b.c.d) are matched
// by the IPv4 rules: BlockList maps them.
const V6: [string, number][] = [['::', 96], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8]];
for (const [network, prefix] of V4) PRIVATE.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of V6) PRIVATE.addSubnet(network, prefix, 'ipv6');

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** A delivery refused because its host is (or resolved to) a private address. */
export class PrivateAddressError extends Error {
  readonly code = 'EPRIVATEADDRESS';
}

const refusal = (host: string, address: string) =>
  new PrivateAddressError(`${host === address ? address : `${host} resolves to ${address}`}, a loopback, private or link-local address; webhooks go to public addresses only (an administrator allows private ones with BATON_ALLOW_PRIVATE_WEBHOOKS=1)`);

/** The URL's host without the brackets of an IPv6 literal. */
export const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

const MAX_URL = 2000;

/** The problem with a webhook URL as written (scheme, credentials, length), else undefined. */
export function urlProblem(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || !raw.trim()) return '`url` is required: the http(s) URL notifications are POSTed to';
  if (raw.length > MAX_URL) return `\`url\` is longer than ${MAX_URL} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `\`url\` ${JSON.stringify(raw.slice(0, 100))} is not a URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `\`url\` must be an http or https URL, not ${url.protocol.slice(0, 20)}`;
  if (url.username || url.password) return '`url` must not hold credentials (user:password@): verify deliveries by their signature instead';
  if (!url.hostname) return '`url` has no host';
  return undefined;
}

/** A request waits this long at most for its host to resolve (a slow resolver must not hold it). */
const RESOLVE_TIMEOUT_MS = 5000;

/** Every address the host resolves to: the one a connection would use is any of them. */
function resolveAll(host: string): Promise<LookupAddress[]> {
  if (isIP(host)) return Promise.resolve([{ address: host, family: isIP(host) }]);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(Object.assign(new Error('timeout'), { code: `no answer within ${RESOLVE_TIMEOUT_MS / 1000} s` })), RESOLVE_TIMEOUT_MS);
    dnsLookup(host, { all: true }, (error, addresses) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(addresses);
    });
  });
}

/**
 * The problem with where a URL leads (a host that does not resolve, or resolves to a private
 * address while those are not allowed), else undefined. Checked when an endpoint is saved; the
 * delivery checks again as it connects (`guardedLookup`), since DNS may answer differently then.
 */
export async function addressProblem(url: URL, allowPrivate: boolean): Promise<string | undefined> {
  const host = hostOf(url);
  let addresses: LookupAddress[];
  try {
    addresses = await resolveAll(host);
  } catch (error) {
    return `\`url\`'s host ${host.slice(0, 200)} does not resolve (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
  }
  if (allowPrivate) return undefined;
  const bad = addresses.find((entry) => isPrivateAddress(entry.address));
  return bad ? `\`url\`: ${refusal(host, bad.address).message}` : undefined;
}

/** The address of a literal-IP host that may not be reached (Node connects to those without a lookup). */
export function literalRefusal(url: URL): PrivateAddressError | undefined {
  const host = hostOf(url);
  return isIP(host) && isPrivateAddress(host) ? refusal(host, host) : undefined;
}

/**
 * A `lookup` for http.request that refuses private addresses at connect time, on the very answer
 * the connection uses, so a name that resolved to a public address when saved cannot be turned to
 * an internal one later (DNS rebinding).
 */
export const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 0);
    const bad = addresses.find((entry) => isPrivateAddress(entry.address));
    if (bad) return callback(refusal(hostname, bad.address) as unknown as NodeJS.ErrnoException, '', 0);
    if (options.all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, addresses);
    callback(null, addresses[0].address, addresses[0].family);
  });
};
