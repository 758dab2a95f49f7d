/**
 * Security headers on every response, computed once. (A per-request header middleware such as
 * helmet costs more than half of a small request's CPU here; these values never change.)
 * Sized for a JSON API (OWASP's REST guidance): the framing, sniffing and referrer protections that
 * matter for JSON; pages that render HTML (docs, admin UI) set their own CSP and framing headers.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';

export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  // JSON never needs to load anything or be framed; HTML routes replace this with their own policy.
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cross-origin-resource-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
});

const ENTRIES = Object.entries(SECURITY_HEADERS);

/** The same headers as a flat [name, value, …] list, for `writeHead` on the fast lane. */
export const SECURITY_HEADERS_FLAT: readonly string[] = Object.freeze(ENTRIES.flat());

/** Set the security headers and the request id on a raw response. */
export function applySecurityHeaders(res: ServerResponse, requestId: string): void {
  for (const [name, value] of ENTRIES) res.setHeader(name, value);
  res.setHeader('x-request-id', requestId);
}

export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    // Written on the raw response so they also apply to hijacked (streaming MCP) replies.
    applySecurityHeaders(reply.raw, request.id);
    done();
  });
}
