/**
 * Which network addresses an outbound request may reach. Everything that is not a public unicast
 * address is refused — loopback, private (RFC 1918), link-local, CGNAT, unique-local, multicast,
 * unspecified, reserved and documentation ranges, cloud metadata endpoints — including IPv4 hidden
 * inside IPv6 (mapped, compatible, SIIT, NAT64, 6to4) and IPv4 written in decimal, octal or hex.
 * An operator may exempt host names, addresses or CIDR ranges (`web.allowedHosts`).
 */
import { isIP } from 'node:net';

export type IpAddress = { family: 4; bytes: readonly number[] } | { family: 6; bytes: readonly number[] };

/**
 * Parse an IPv4 address the way `inet_aton` (and so `getaddrinfo`) does: one to four parts, each
 * decimal, `0x` hex or `0`-prefixed octal, the last part filling the remaining bytes. So
 * `2130706433`, `0x7f000001`, `0177.0.0.1` and `127.1` are all 127.0.0.1.
 */
export function parseIpv4Loose(text: string): IpAddress | undefined {
  const parts = text.split('.');
  if (parts.length === 0 || parts.length > 4) return undefined;
  const values: number[] = [];
  for (const part of parts) {
    let value: number;
    if (/^0x[0-9a-f]*$/i.test(part)) value = part.length === 2 ? 0 : parseInt(part.slice(2), 16);
    else if (/^0[0-7]+$/.test(part)) value = parseInt(part.slice(1), 8);
    else if (/^(0|[1-9][0-9]*)$/.test(part)) value = Number(part);
    else return undefined;
    if (!Number.isSafeInteger(value)) return undefined;
    values.push(value);
  }
  const last = values.pop()!;
  if (values.some((v) => v > 255)) return undefined;
  const lastBytes = 4 - values.length;
  if (last >= 2 ** (8 * lastBytes)) return undefined;
  const bytes = [...values];
  for (let i = lastBytes - 1; i >= 0; i--) bytes.push(Math.floor(last / 2 ** (8 * i)) % 256);
  return { family: 4, bytes };
}

function parseIpv6(text: string): IpAddress | undefined {
  let body = text.replace(/%.*$/, ''); // zone id (fe80::1%eth0)
  // A dotted IPv4 tail (::ffff:127.0.0.1) is two groups written differently.
  const v4 = /(?:^|:)(\d+\.\d+\.\d+\.\d+)$/.exec(body);
  if (v4) {
    if (isIP(v4[1]!) !== 4) return undefined;
    const [a, b, c, d] = v4[1]!.split('.').map(Number) as [number, number, number, number];
    body = body.slice(0, -v4[1]!.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const group = (s: string) => (s === '' ? [] : s.split(':').map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN)));
  const head = group(halves[0]!);
  const rest = halves.length === 2 ? group(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...rest];
  if (groups.length !== 8 || groups.some((g) => Number.isNaN(g))) return undefined;
  return { family: 6, bytes: groups.flatMap((g) => [g >> 8, g & 255]) };
}

/** An IP literal (brackets allowed for IPv6, loose IPv4 forms accepted), or undefined for a name. */
export function parseIp(text: string): IpAddress | undefined {
  const host = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (host.includes(':')) return parseIpv6(host);
  return parseIpv4Loose(host);
}

export function formatIp(ip: IpAddress): string {
  if (ip.family === 4) return ip.bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((ip.bytes[i]! << 8) | ip.bytes[i + 1]!).toString(16));
  return groups.join(':');
}

interface Range {
  bytes: readonly number[];
  prefix: number;
}

function inRange(ip: IpAddress, range: Range & { family: 4 | 6 }): boolean {
  if (ip.family !== range.family) return false;
  for (let bit = 0; bit < range.prefix; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if ((ip.bytes[byte]! & mask) !== (range.bytes[byte]! & mask)) return false;
  }
  return true;
}

function cidr(text: string): (Range & { family: 4 | 6 }) | undefined {
  const [addr, prefixText] = text.split('/');
  const ip = addr === undefined ? undefined : parseIp(addr);
  if (!ip) return undefined;
  const max = ip.family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= max)) return undefined;
  return { family: ip.family, bytes: ip.bytes, prefix };
}

const V4_BLOCKS: [string, string][] = [
  // Cloud metadata endpoints first, so the refusal names them.
  ['169.254.169.254/32', 'cloud-metadata'],
  ['169.254.170.2/32', 'cloud-metadata'],
  ['100.100.100.200/32', 'cloud-metadata'],
  ['168.63.129.16/32', 'cloud-metadata'],
  ['0.0.0.0/32', 'unspecified'],
  ['0.0.0.0/8', 'reserved'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'cgnat'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'documentation'],
  ['192.88.99.0/24', 'reserved'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'reserved'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'broadcast'],
  ['240.0.0.0/4', 'reserved'],
];

const V6_BLOCKS: [string, string][] = [
  ['fd00:ec2::254/128', 'cloud-metadata'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['64:ff9b:1::/48', 'reserved'],
  ['100::/64', 'reserved'],
  ['2001::/23', 'reserved'], // IETF protocol assignments, Teredo tunnels among them
  ['2001:db8::/32', 'documentation'],
  ['fc00::/7', 'unique-local'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local'],
  ['ff00::/8', 'multicast'],
];

const compile = (list: [string, string][]) => list.map(([range, reason]) => ({ range: cidr(range)!, reason }));
const v4Blocks = compile(V4_BLOCKS);
const v6Blocks = compile(V6_BLOCKS);

/** IPv4 carried inside an IPv6 address (mapped, compatible, SIIT, NAT64, 6to4), if any. */
export function embeddedIpv4(ip: IpAddress): IpAddress | undefined {
  if (ip.family !== 6) return undefined;
  const b = ip.bytes;
  const zero = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  const last4 = (): IpAddress => ({ family: 4, bytes: b.slice(12, 16) });
  if (zero(0, 10) && b[10] === 0xff && b[11] === 0xff) return last4(); // ::ffff:a.b.c.d
  if (zero(0, 12) && !zero(12, 16)) return last4(); // ::a.b.c.d (deprecated "compatible")
  if (zero(0, 8) && b[8] === 0xff && b[9] === 0xff && zero(10, 12)) return last4(); // ::ffff:0:a.b.c.d
  if (inRange(ip, cidr('64:ff9b::/96')!)) return last4(); // NAT64
  if (b[0] === 0x20 && b[1] === 0x02) return { family: 4, bytes: b.slice(2, 6) }; // 6to4
  return undefined;
}

/** Why an address must not be reached, or undefined when it is a public unicast address. */
export function blockedReason(ip: IpAddress): string | undefined {
  if (ip.family === 4) return v4Blocks.find((b) => inRange(ip, b.range))?.reason;
  const hit = v6Blocks.find((b) => inRange(ip, b.range));
  if (hit) return hit.reason;
  const inner = embeddedIpv4(ip);
  if (inner) {
    const reason = blockedReason(inner);
    return reason ? `${reason} (IPv4 inside IPv6)` : undefined;
  }
  // Only 2000::/3 is global unicast; everything else is unassigned or special.
  return (ip.bytes[0]! & 0xe0) === 0x20 ? undefined : 'reserved';
}

export interface AddressPolicy {
  /** True when the operator exempted this host name (or IP literal) from the checks. */
  hostAllowed(hostname: string): boolean;
  /** Why this resolved address is refused for `hostname`, or undefined when it may be reached. */
  refusal(hostname: string, address: string): string | undefined;
}

/** Normalise a host as written in a URL: lower case, no brackets, no trailing dot. */
export function normaliseHost(hostname: string): string {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

export function createAddressPolicy(allowedHosts: readonly string[]): AddressPolicy {
  const names = new Set<string>();
  const ranges: (Range & { family: 4 | 6 })[] = [];
  for (const entry of allowedHosts) {
    const range = cidr(normaliseHost(entry.trim()));
    if (range && (entry.includes('/') || isIP(normaliseHost(entry.trim())))) ranges.push(range);
    else names.add(normaliseHost(entry.trim()));
  }
  const addressAllowed = (ip: IpAddress) => {
    const v4 = embeddedIpv4(ip);
    return ranges.some((r) => inRange(ip, r) || (v4 !== undefined && inRange(v4, r)));
  };
  return {
    hostAllowed(hostname) {
      const host = normaliseHost(hostname);
      if (names.has(host)) return true;
      const ip = parseIp(host);
      return ip !== undefined && addressAllowed(ip);
    },
    refusal(hostname, address) {
      if (names.has(normaliseHost(hostname))) return undefined;
      const ip = parseIp(address);
      if (!ip) return 'unparseable address';
      if (addressAllowed(ip)) return undefined;
      return blockedReason(ip);
    },
  };
}
