/**
 * Credentials towards an upstream: fixed headers (`bearer`, `headers`) or an SDK `AuthProvider`
 * for OAuth (a stored access token, or client credentials fetched from the token endpoint and
 * refreshed on expiry or on a 401). Credentials only ever travel in request headers; they are never
 * logged, and error messages that might echo them are scrubbed by the caller (`upstreamSecrets`).
 */
import type { AuthProvider } from '@modelcontextprotocol/client';
import { PorticoError } from '../core/errors.js';
import type { UpstreamAuth } from './upstream-definition.js';

export interface UpstreamCredentials {
  /** Sent on every HTTP request to the upstream. */
  headers: Record<string, string>;
  /** For OAuth: supplies (and refreshes) the bearer token. */
  authProvider?: AuthProvider;
}

/** Refresh a little before the token expires, so a request never carries a token that dies in flight. */
const EXPIRY_MARGIN_MS = 30_000;

export function upstreamCredentials(auth: UpstreamAuth, fetchImpl: typeof fetch = fetch): UpstreamCredentials {
  switch (auth.type) {
    case 'none':
      return { headers: {} };
    case 'bearer':
      return { headers: { Authorization: `Bearer ${auth.token}` } };
    case 'headers':
      return { headers: { ...auth.headers } };
    case 'oauth': {
      let token = auth.tokens ? { value: auth.tokens.accessToken, expiresAt: auth.tokens.expiresAt } : undefined;
      const fetchToken = async (): Promise<void> => {
        if (auth.grant !== 'client_credentials') {
          // Authorization-code tokens are obtained interactively (8b's callback route) and refreshed there.
          if (!token) throw new PorticoError('upstream_failed', 'the upstream OAuth authorization has not been completed');
          return;
        }
        const body = new URLSearchParams({ grant_type: 'client_credentials', ...(auth.scope ? { scope: auth.scope } : {}) });
        const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
        if (auth.clientSecret !== undefined) headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(auth.clientId)}:${encodeURIComponent(auth.clientSecret)}`).toString('base64')}`;
        else body.set('client_id', auth.clientId);
        const res = await fetchImpl(auth.tokenUrl, { method: 'POST', headers, body, redirect: 'error', signal: AbortSignal.timeout(15_000) });
        const json = (await res.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown };
        if (!res.ok || typeof json.access_token !== 'string') throw new PorticoError('upstream_failed', `the upstream token endpoint refused the client credentials (HTTP ${res.status})`);
        token = { value: json.access_token, expiresAt: typeof json.expires_in === 'number' ? Date.now() + json.expires_in * 1000 : undefined };
      };
      const provider: AuthProvider = {
        async token() {
          if (!token || (token.expiresAt !== undefined && token.expiresAt - EXPIRY_MARGIN_MS < Date.now())) await fetchToken();
          return token?.value;
        },
        async onUnauthorized() {
          if (auth.grant === 'client_credentials') token = undefined;
          await fetchToken();
        },
      };
      return { headers: {}, authProvider: provider };
    }
  }
}
