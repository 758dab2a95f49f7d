/**
 * An undici dispatcher whose every connection is resolved, checked against the address policy and
 * then opened to exactly the address that was checked. The check and the connection are one step
 * (no DNS lookup happens between them), so a name cannot resolve to a public address for the check
 * and to 127.0.0.1 for the connection (DNS rebinding). The resolver and the connector are injectable:
 * tests use a connector that refuses anything outside loopback, whatever the policy says.
 */
import { lookup } from 'node:dns/promises';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Agent } from 'undici';
import { PorticoError } from '../../core/errors.js';
import { normaliseHost, parseIp, formatIp, type AddressPolicy } from './address-policy.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Host name → addresses. Never called for IP literals. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** The one address a connection goes to, after the policy allowed it. */
export interface ConnectTarget {
  address: string;
  family: 4 | 6;
  port: number;
  /** The host name from the URL (certificate checks and SNI use it). */
  hostname: string;
  tls: boolean;
  timeoutMs: number;
}

/** Opens a connected (for TLS: handshaken) socket to `target.address`, never anywhere else. */
export type Connector = (target: ConnectTarget) => Promise<Socket>;

export const systemResolver: Resolver = async (hostname) => {
  const found = await lookup(hostname, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

export const directConnector: Connector = (target) =>
  new Promise((resolve, reject) => {
    const socket = target.tls
      ? tlsConnect({
          host: target.address,
          port: target.port,
          // Certificates are checked against the name, not the address we pinned.
          ...(isIP(target.hostname) ? {} : { servername: target.hostname }),
          ALPNProtocols: ['http/1.1'],
        })
      : netConnect({ host: target.address, port: target.port });
    const timer = setTimeout(() => socket.destroy(new PorticoError('timeout', `Connecting to ${target.hostname} timed out.`)), target.timeoutMs);
    socket.once(target.tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      socket.off('error', fail);
      resolve(socket);
    });
    const fail = (err: Error) => {
      clearTimeout(timer);
      reject(err);
    };
    socket.once('error', fail);
  });

export interface GuardOptions {
  policy: AddressPolicy;
  resolver: Resolver;
  connector: Connector;
  connectTimeoutMs: number;
}

/** The addresses `hostname` stands for (an IP literal stands for itself). */
async function addressesOf(hostname: string, resolver: Resolver): Promise<ResolvedAddress[]> {
  const literal = parseIp(hostname);
  if (literal) return [{ address: formatIp(literal), family: literal.family }];
  const found = await resolver(hostname).catch((err: unknown) => {
    throw new PorticoError('web_request_failed', `Could not resolve ${hostname}.`, { cause: err });
  });
  if (!found.length) throw new PorticoError('web_request_failed', `Could not resolve ${hostname}.`);
  return found;
}

/**
 * Resolve, check every address (one bad address refuses the host: a name that also points inside is
 * not trusted), and connect to the first one. Throws `ssrf_refused` without connecting.
 */
export async function guardedConnect(hostname: string, port: number, tls: boolean, options: GuardOptions): Promise<Socket> {
  const host = normaliseHost(hostname);
  const addresses = await addressesOf(host, options.resolver);
  for (const { address } of addresses) {
    const refusal = options.policy.refusal(host, address);
    if (refusal) {
      const shown = parseIp(host) ? host : `${host} (${address})`;
      throw new PorticoError('ssrf_refused', `Refused to connect to ${shown}: ${refusal} address.`, { details: { host, reason: refusal } });
    }
  }
  const first = addresses[0]!;
  return options.connector({ address: first.address, family: first.family, port, hostname: host, tls, timeoutMs: options.connectTimeoutMs });
}

/**
 * A dispatcher for one outbound call. Errors undici would otherwise wrap are kept in `refused` so the
 * caller can report the policy refusal as it is.
 */
export function createGuardedAgent(options: GuardOptions): { agent: Agent; lastError: () => PorticoError | undefined } {
  let last: PorticoError | undefined;
  const agent = new Agent({
    connections: 4,
    connect(opts, callback) {
      const tls = opts.protocol === 'https:';
      const port = opts.port ? Number(opts.port) : tls ? 443 : 80;
      guardedConnect(opts.hostname, port, tls, options).then(
        (socket) => callback(null, socket),
        (err: unknown) => {
          if (err instanceof PorticoError) last = err;
          callback(err instanceof Error ? err : new Error(String(err)), null);
        },
      );
    },
  });
  return { agent, lastError: () => last };
}
