/**
 * The OAuth authorization-code grant (with PKCE, S256) for upstreams that need a person to
 * consent: `begin` makes the URL an admin opens in a browser; the authorization server sends the
 * browser back to `/oauth/upstream/callback` with a code and the state; `complete` checks the
 * state (unguessable, single use, ten minutes) and exchanges the code for tokens at the token
 * endpoint. Pending states live in this process: the callback must reach the node that began.
 */
import { createHash, randomBytes } from 'node:crypto';
import { PorticoError } from '../core/errors.js';
import type { OAuthTokens, UpstreamDefinition } from './upstream-definition.js';

export const UPSTREAM_OAUTH_CALLBACK_PATH = '/oauth/upstream/callback';

export interface UpstreamOAuthFlow {
  /** The authorization URL for this upstream (its auth must be `oauth` / `authorization_code`). */
  begin(definition: UpstreamDefinition, redirectUri: string): string;
  /** Exchange the code for tokens; `bad_request` for an unknown, used or expired state. */
  complete(state: string, code: string): Promise<{ id: string; tokens: OAuthTokens }>;
  /** Forget a pending state (consent refused); false when unknown. */
  discard(state: string): boolean;
  /** New tokens from the refresh token (`upstream_failed` when refused); the old refresh token is kept if none is issued. */
  refresh(definition: UpstreamDefinition): Promise<OAuthTokens>;
}

interface Pending {
  definition: UpstreamDefinition;
  verifier: string;
  redirectUri: string;
  expiresAt: number;
}

const STATE_TTL_MS = 10 * 60_000;
const MAX_PENDING = 1000;

export function createUpstreamOAuthFlow(options: { fetch?: typeof fetch; now?: () => number } = {}): UpstreamOAuthFlow {
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const pending = new Map<string, Pending>();

  /** One request to the token endpoint (client secret in Basic auth, else client_id in the form). */
  async function tokenRequest(definition: UpstreamDefinition, form: Record<string, string>, what: string): Promise<OAuthTokens> {
    const auth = definition.auth;
    if (auth.type !== 'oauth') throw new PorticoError('internal_error');
    const body = new URLSearchParams(form);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (auth.clientSecret !== undefined) headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(auth.clientId)}:${encodeURIComponent(auth.clientSecret)}`).toString('base64')}`;
    else body.set('client_id', auth.clientId);
    let res: Response;
    try {
      res = await doFetch(auth.tokenUrl, { method: 'POST', headers, body, redirect: 'error', signal: AbortSignal.timeout(15_000) });
    } catch {
      throw new PorticoError('upstream_failed', 'The upstream token endpoint could not be reached.');
    }
    const json = (await res.json().catch(() => ({}))) as { access_token?: unknown; refresh_token?: unknown; token_type?: unknown; expires_in?: unknown; scope?: unknown };
    if (!res.ok || typeof json.access_token !== 'string' || !json.access_token) throw new PorticoError('upstream_failed', `The upstream token endpoint refused ${what} (HTTP ${res.status}).`);
    return {
      accessToken: json.access_token,
      tokenType: typeof json.token_type === 'string' ? json.token_type : 'Bearer',
      ...(typeof json.refresh_token === 'string' && json.refresh_token ? { refreshToken: json.refresh_token } : {}),
      ...(typeof json.expires_in === 'number' ? { expiresAt: now() + json.expires_in * 1000 } : {}),
      ...(typeof json.scope === 'string' ? { scope: json.scope } : {}),
    };
  }

  const sweep = () => {
    for (const [state, p] of pending) if (p.expiresAt <= now()) pending.delete(state);
  };

  return {
    begin(definition, redirectUri) {
      const auth = definition.auth;
      if (auth.type !== 'oauth' || auth.grant !== 'authorization_code') throw new PorticoError('conflict', `The upstream "${definition.name}" does not use the OAuth authorization-code grant.`);
      sweep();
      if (pending.size >= MAX_PENDING) throw new PorticoError('rate_limited', 'Too many OAuth authorizations are pending; retry later.');
      const state = randomBytes(32).toString('base64url');
      const verifier = randomBytes(48).toString('base64url');
      const redirect = auth.redirectUri ?? redirectUri;
      pending.set(state, { definition, verifier, redirectUri: redirect, expiresAt: now() + STATE_TTL_MS });
      const url = new URL(auth.authorizationUrl);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('client_id', auth.clientId);
      url.searchParams.set('redirect_uri', redirect);
      url.searchParams.set('state', state);
      url.searchParams.set('code_challenge', createHash('sha256').update(verifier).digest('base64url'));
      url.searchParams.set('code_challenge_method', 'S256');
      if (auth.scope) url.searchParams.set('scope', auth.scope);
      return url.toString();
    },

    discard: (state) => pending.delete(state),

    async complete(state, code) {
      sweep();
      const entry = pending.get(state);
      // Single use, whatever happens next.
      pending.delete(state);
      if (!entry) throw new PorticoError('bad_request', 'This authorization is unknown, already used or expired; start it again.');
      const tokens = await tokenRequest(entry.definition, { grant_type: 'authorization_code', code, redirect_uri: entry.redirectUri, code_verifier: entry.verifier }, 'the authorization code');
      return { id: entry.definition.id, tokens };
    },

    async refresh(definition) {
      const auth = definition.auth;
      const refreshToken = auth.type === 'oauth' ? auth.tokens?.refreshToken : undefined;
      if (!refreshToken) throw new PorticoError('upstream_failed', 'There is no refresh token; authorize the upstream again.');
      const tokens = await tokenRequest(definition, { grant_type: 'refresh_token', refresh_token: refreshToken }, 'the refresh token');
      return tokens.refreshToken ? tokens : { ...tokens, refreshToken };
    },
  };
}
