/**
 * Client ID metadata documents make the authorization server fetch a URL chosen by whoever starts
 * an authorization request. This policy keeps those fetches on the public internet: the client id
 * must be an https URL whose host is, and resolves only to, public addresses — never loopback,
 * private, link-local or otherwise special ranges (SSRF into the deployment's own network).
 *
 * The check resolves the name once before the library fetches it. A name whose answer changes in
 * between (DNS rebinding) is caught by oidc-provider's own fetch, which refuses connections to
 * special-use addresses at connect time, follows no redirect and reads at most 5 KB.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { ClientMetadataDocumentPolicy } from './authorization-server.js';

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are checked against the IPv4 rules by BlockList itself.
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** True for an address on the public internet. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return !blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export type Resolver = (hostname: string) => Promise<string[]>;

const systemResolver: Resolver = async (hostname) => (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

/** Fetch documents only from public https hosts. */
export function publicClientMetadataPolicy(resolve: Resolver = systemResolver): ClientMetadataDocumentPolicy {
  return {
    async allowFetch(url) {
      const parsed = URL.parse(url);
      if (!parsed || parsed.protocol !== 'https:' || parsed.username || parsed.password) return false;
      const host = parsed.hostname.replace(/^\[|\]$/g, '');
      if (isIP(host)) return isPublicAddress(host);
      if (host === 'localhost' || host.endsWith('.localhost') || !host.includes('.')) return false;
      try {
        const addresses = await resolve(host);
        return addresses.length > 0 && addresses.every(isPublicAddress);
      } catch {
        return false;
      }
    },
  };
}
