import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { insufficientScope } from '../../../src/auth/oauth/scopes.js';
import { PorticoError } from '../../../src/core/errors.js';
import { BASIC_CHALLENGE, bearerChallengeHeader, hasCredential, oauthBearerChallenge } from '../../../src/surfaces/oauth/bearer-challenge.js';
import { createCsrf } from '../../../src/surfaces/oauth/csrf.js';
import { consentPage, escapeHtml, loginPage, pageCsp, redirectSources } from '../../../src/surfaces/oauth/interaction-pages.js';

describe('bearer challenge', () => {
  const challenge = oauthBearerChallenge((url) => `https://p.example/.well-known/oauth-protected-resource/${url?.startsWith('/sse') ? 'sse' : 'mcp'}`);
  const meta = 'resource_metadata="https://p.example/.well-known/oauth-protected-resource/mcp"';

  it('is the bare Bearer challenge without OAuth, and only for 401', () => {
    expect(bearerChallengeHeader(undefined, new PorticoError('unauthenticated'), { url: '/mcp', credentialGiven: true })).toBe(BASIC_CHALLENGE);
    expect(bearerChallengeHeader(undefined, new PorticoError('forbidden'), { url: '/mcp', credentialGiven: true })).toBeUndefined();
  });

  it('points at the resource metadata, with invalid_token only when a credential was given', () => {
    expect(challenge.header(new PorticoError('unauthenticated'), { url: '/mcp', credentialGiven: false })).toBe(`Bearer realm="portico", ${meta}, scope="mcp"`);
    expect(challenge.header(new PorticoError('unauthenticated'), { url: '/api/v1/mcp/tools', credentialGiven: true })).toBe(`Bearer realm="portico", ${meta}, scope="mcp", error="invalid_token"`);
    expect(challenge.header(new PorticoError('unauthenticated'), { url: '/sse', credentialGiven: false })).toContain('oauth-protected-resource/sse"');
  });

  it('asks for the missing scope on an insufficient-scope 403, and says nothing on other errors', () => {
    expect(challenge.header(insufficientScope('mcp'), { url: '/mcp', credentialGiven: true })).toBe(`Bearer realm="portico", ${meta}, error="insufficient_scope", scope="mcp"`);
    expect(challenge.header(new PorticoError('forbidden'), { url: '/mcp', credentialGiven: true })).toBeUndefined();
    expect(challenge.header(new PorticoError('rate_limited'), { url: '/mcp', credentialGiven: true })).toBeUndefined();
  });

  it('knows whether a request carried a credential', () => {
    expect(hasCredential({})).toBe(false);
    expect(hasCredential({ authorization: 'Bearer x' })).toBe(true);
    expect(hasCredential({ 'x-api-key': 'k' })).toBe(true);
  });
});

describe('CSRF tokens', () => {
  it('are bound to the interaction and the form, and checked in constant time', () => {
    const csrf = createCsrf(randomBytes(32));
    const token = csrf.token('uid-1', 'login');
    expect(csrf.valid('uid-1', 'login', token)).toBe(true);
    expect(csrf.valid('uid-2', 'login', token)).toBe(false);
    expect(csrf.valid('uid-1', 'consent', token)).toBe(false);
    expect(csrf.valid('uid-1', 'login', undefined)).toBe(false);
    expect(csrf.valid('uid-1', 'login', '')).toBe(false);
    expect(csrf.valid('uid-1', 'login', `${token}x`)).toBe(false);
    expect(createCsrf(randomBytes(32)).valid('uid-1', 'login', token)).toBe(false);
  });
});

describe('interaction pages', () => {
  it('escape everything a client or user supplies', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;');
    const html = consentPage({
      action: '/oauth/interaction/u/consent',
      csrf: 't"><script>',
      clientName: '<img src=x onerror=alert(1)>',
      clientId: 'c"1',
      redirectUri: 'http://127.0.0.1/cb?<x>',
      username: '<u>',
      scopes: [{ name: 'mcp', description: '<d>' }],
      resources: ['http://h/mcp"'],
    });
    expect(html).not.toMatch(/<img|<script|<u>|<d>|<x>/);
    const login = loginPage({ action: '/a', csrf: 'c', abortAction: '/b', abortCsrf: 'd', clientName: '</title><script>', username: '"><svg>' });
    expect(login).not.toMatch(/<script|<svg/);
    expect(login).not.toMatch(/<script/);
  });

  it('allow their own stylesheet and forms only, plus the redirect target', () => {
    expect(pageCsp()).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'$/);
    expect(redirectSources('http://127.0.0.1:3000/cb')).toEqual(['http://127.0.0.1:3000']);
    expect(redirectSources('https://claude.ai/api/mcp/auth_callback')).toEqual(['https://claude.ai']);
    expect(redirectSources('cursor://anysphere.cursor-retrieval/oauth/callback')).toEqual(['cursor:']);
    expect(redirectSources("https://x.example/cb'; script-src *")).toEqual(['https://x.example']);
    expect(redirectSources('not a url')).toEqual([]);
    expect(redirectSources(undefined)).toEqual([]);
  });
});
