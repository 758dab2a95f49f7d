/**
 * DNS-rebinding protection for the MCP endpoints, always on: the Host header must name this server
 * (loopback names, the public URL's host, or configured `mcp.allowedHosts`), and a browser Origin,
 * when present, must be loopback, the public URL's origin, or in `mcp.allowedOrigins`. Failures are
 * 403 with a JSON-RPC error body, as the MCP transport specification asks.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FrozenConfig } from '../../config/schema.js';
import { isLoopbackHost } from '../http/loopback.js';
import { jsonRpcErrorBody } from './json-rpc-errors.js';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]', '::1'];

function hostnameOf(hostHeader: string): string | undefined {
  try {
    return new URL(`http://${hostHeader}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

export interface HostOriginPolicy {
  hostAllowed(host: string | undefined): boolean;
  originAllowed(origin: string | undefined): boolean;
}

export function createHostOriginPolicy(config: FrozenConfig): HostOriginPolicy {
  const hosts = new Set<string>(LOOPBACK_NAMES);
  for (const h of config.mcp.allowedHosts) hosts.add(h.toLowerCase());
  const origins = new Set<string>(config.mcp.allowedOrigins.map((o) => o.replace(/\/$/, '').toLowerCase()));
  if (config.server.publicUrl) {
    const url = new URL(config.server.publicUrl);
    hosts.add(url.hostname.toLowerCase());
    origins.add(url.origin.toLowerCase());
  }
  // Bound to one specific non-loopback address: that address is a legitimate Host too.
  const bind = config.server.host.toLowerCase();
  if (bind !== '0.0.0.0' && bind !== '::' && !isLoopbackHost(bind)) hosts.add(bind.includes(':') ? `[${bind}]` : bind);
  // Clients send the same few Host values; remember verdicts (bounded, so hostile values can't grow it).
  const verdicts = new Map<string, boolean>();
  return {
    hostAllowed(host) {
      if (!host) return false;
      let ok = verdicts.get(host);
      if (ok === undefined) {
        const name = hostnameOf(host);
        ok = name !== undefined && hosts.has(name);
        if (verdicts.size > 1024) verdicts.clear();
        verdicts.set(host, ok);
      }
      return ok;
    },
    originAllowed(origin) {
      if (origin === undefined) return true; // not a browser, or a same-origin GET
      const normalized = origin.toLowerCase();
      if (origins.has(normalized)) return true;
      try {
        const url = new URL(normalized);
        return (url.protocol === 'http:' || url.protocol === 'https:') && isLoopbackHost(url.hostname);
      } catch {
        return false;
      }
    },
  };
}

function forbidden(reply: FastifyReply, message: string): void {
  void reply.status(403).type('application/json').send(jsonRpcErrorBody(-32000, message));
}

export function hostOriginGuard(policy: HostOriginPolicy) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!policy.hostAllowed(request.headers.host)) return forbidden(reply, 'Forbidden: Host header is not allowed (DNS-rebinding protection).');
    const origin = request.headers.origin;
    if (!policy.originAllowed(typeof origin === 'string' ? origin : undefined)) return forbidden(reply, 'Forbidden: Origin is not allowed.');
  };
}
