/**
 * Which URLs an upstream added through the REST API may point at. An admin route that makes the
 * server open connections is a server-side request forgery tool unless destinations are checked:
 * private networks, link-local (cloud metadata at 169.254.169.254), CGNAT, unique-local, multicast
 * and unspecified addresses are refused unless allowlisted (`gateway.allowedHosts`). Loopback is
 * allowed by default (`gateway.allowLoopback`): MCP servers next to Portico are the common case,
 * and the route is admin-only. Every address a host name resolves to must pass.
 *
 * The check runs when an upstream is added; `createGuardedLookup` applies the same rules to every
 * connection of an upstream added that way (`networkGuard`), so a DNS answer that changes later
 * (rebinding) is caught where the socket is opened. Config-file and CLI upstreams are the
 * operator's own and are not checked.
 */
import { lookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { PorticoError } from '../core/errors.js';

export interface UpstreamUrlPolicyOptions {
  allowLoopback: boolean;
  /** Host names (exact, case-insensitive), IP addresses or CIDR ranges exempt from the check. */
  allowedHosts: readonly string[];
  /** Resolves a host name to its addresses (injected in tests so nothing leaves loopback). */
  resolve?: (host: string) => Promise<string[]>;
}

export type UpstreamUrlPolicy = (url: string) => Promise<void>;

const PRIVATE_V4 = ['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24', '192.168.0.0/16', '198.18.0.0/15', '224.0.0.0/4', '240.0.0.0/4'];
const PRIVATE_V6 = ['::/128', 'fc00::/7', 'fe80::/10', 'ff00::/8', '64:ff9b::/96'];
const LOOPBACK_V4 = '127.0.0.0/8';

function blockListOf(ranges: readonly string[], family: 'ipv4' | 'ipv6'): BlockList {
  const list = new BlockList();
  for (const range of ranges) {
    const [address, bits] = range.split('/');
    list.addSubnet(address!, Number(bits), family);
  }
  return list;
}

const privateV4 = blockListOf(PRIVATE_V4, 'ipv4');
const privateV6 = blockListOf(PRIVATE_V6, 'ipv6');
const loopbackV4 = blockListOf([LOOPBACK_V4], 'ipv4');

/** An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, or `::ffff:a00:1` as URL parsing writes it) as IPv4. */
function unmapped(address: string): string {
  const mapped = /^(?:0*:)*:?ffff:(.+)$/i.exec(address)?.[1];
  if (!mapped || isIP(address) !== 6) return address;
  if (isIP(mapped) === 4) return mapped;
  const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(mapped);
  if (!hex) return address;
  const hi = parseInt(hex[1]!, 16);
  const lo = parseInt(hex[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

const defaultResolve = async (host: string) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** The rules both checks share: which names and addresses an upstream connection may use. */
function addressRules(options: UpstreamUrlPolicyOptions) {
  const allowedNames = new Set<string>();
  const allowed = new BlockList();
  for (const entry of options.allowedHosts) {
    const [address, bits] = entry.split('/');
    const family = isIP(address ?? '');
    if (family === 0) allowedNames.add(entry.toLowerCase());
    else if (bits === undefined) allowed.addAddress(address!, family === 4 ? 'ipv4' : 'ipv6');
    else allowed.addSubnet(address!, Number(bits), family === 4 ? 'ipv4' : 'ipv6');
  }

  /** Why an address is refused, or undefined when it may be used. */
  const refusal = (address: string): string | undefined => {
    const ip = unmapped(address);
    const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
    if (allowed.check(ip, family)) return undefined;
    const loopback = family === 'ipv4' ? loopbackV4.check(ip, 'ipv4') : ip === '::1';
    if (loopback) return options.allowLoopback ? undefined : 'a loopback address (gateway.allowLoopback is off)';
    if (family === 'ipv4' ? privateV4.check(ip, 'ipv4') : privateV6.check(ip, 'ipv6')) return 'a private, link-local or reserved address';
    return undefined;
  };

  const resolve = options.resolve ?? defaultResolve;
  /** The addresses a host stands for (`localhost` is loopback without asking DNS). */
  const addressesOf = (host: string): Promise<string[]> => {
    if (isIP(host)) return Promise.resolve([host]);
    if (host === 'localhost' || host.endsWith('.localhost')) return Promise.resolve(['127.0.0.1']);
    return resolve(host);
  };
  /** Throws `ssrf_refused` naming the first address that may not be used (an allowlisted name passes as it is). */
  const assertAllowed = (host: string, addresses: readonly string[]): void => {
    if (allowedNames.has(host)) return;
    for (const address of addresses) {
      const why = refusal(address);
      if (why) throw new PorticoError('ssrf_refused', `mcp_url points at ${why}; an admin can allow it with gateway.allowedHosts.`, { details: { host } });
    }
  };
  return { allowedNames, addressesOf, assertAllowed };
}

/** A URL's or connection's host as the rules compare it: no IPv6 brackets, lower case. */
const hostOf = (hostname: string) => hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();

export function createUpstreamUrlPolicy(options: UpstreamUrlPolicyOptions): UpstreamUrlPolicy {
  const { allowedNames, addressesOf, assertAllowed } = addressRules(options);

  return async (raw) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new PorticoError('validation_failed', 'mcp_url is not a valid URL.');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new PorticoError('validation_failed', 'mcp_url must be an http(s) URL.');
    if (url.username || url.password) throw new PorticoError('validation_failed', 'mcp_url must not carry credentials; use auth_type bearer or headers.');
    const host = hostOf(url.hostname);
    if (allowedNames.has(host)) return;
    let addresses: string[];
    try {
      addresses = await addressesOf(host);
    } catch {
      throw new PorticoError('upstream_failed', `The host ${host} of mcp_url cannot be resolved.`);
    }
    assertAllowed(host, addresses);
  };
}

/**
 * The same rules at connect time, as a `lookup` for `net`/`tls` connections: the name is resolved
 * once, every address is checked, and the socket goes to a checked address. So a name that
 * resolves to an allowed address when the upstream is added and to a private one later (DNS
 * rebinding) is refused at the connection instead of reached.
 */
export function createGuardedLookup(options: UpstreamUrlPolicyOptions): LookupFunction {
  const { addressesOf, assertAllowed } = addressRules(options);
  return (hostname, lookupOptions, callback) => {
    const host = hostOf(hostname);
    const answer = (addresses: string[]) => {
      const family = lookupOptions.family === 4 || lookupOptions.family === 6 ? lookupOptions.family : 0;
      const found = addresses.map((address) => ({ address, family: isIP(address) })).filter((a) => a.family !== 0 && (family === 0 || a.family === family));
      if (found.length === 0) return callback(Object.assign(new Error(`no usable address for ${host}`), { code: 'ENOTFOUND' }), '', 0);
      if (lookupOptions.all) return (callback as unknown as (err: null, addresses: LookupAddress[]) => void)(null, found);
      callback(null, found[0]!.address, found[0]!.family);
    };
    addressesOf(host).then(
      (addresses) => {
        try {
          assertAllowed(host, addresses);
        } catch (err) {
          return callback(err as Error, '', 0);
        }
        answer(addresses);
      },
      (err: unknown) => callback(err instanceof Error ? err : new Error(String(err)), '', 0),
    );
  };
}
