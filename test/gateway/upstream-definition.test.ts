/** The upstream definition's helpers: the credential-free public view, the secrets list, tool filters. */
import { describe, expect, it } from 'vitest';
import { publicUpstreamDefinition, upstreamDefinitionSchema, upstreamNamespace, upstreamSecrets, upstreamToolAllowed, upstreamUrl } from '../../src/gateway/upstream-definition.js';

const parse = (input: Record<string, unknown>) => upstreamDefinitionSchema.parse({ id: 'u', name: 'up', ...input });

describe('upstream definition', () => {
  it('shows no credential in its public view, and lists every credential for scrubbing', () => {
    const definitions = [
      parse({ transport: { type: 'http', url: 'https://user:url-pass@mcp.example/mcp?api_key=url-key&page=2' }, auth: { type: 'bearer', token: 'bearer-tok' } }),
      parse({ transport: { type: 'sse', url: 'https://mcp.example/sse' }, auth: { type: 'headers', headers: { 'X-Api-Key': 'header-val' } } }),
      parse({
        transport: { type: 'http', url: 'https://mcp.example/mcp' },
        auth: { type: 'oauth', grant: 'client_credentials', tokenUrl: 'https://auth.example/token', clientId: 'cid', clientSecret: 'client-sec', tokens: { accessToken: 'acc-tok', refreshToken: 'ref-tok' } },
      }),
      parse({ transport: { type: 'stdio', command: 'node', args: ['s.js'], env: { TOKEN: 'env-val' } } }),
    ];
    const secrets = definitions.flatMap(upstreamSecrets);
    expect(secrets.sort()).toEqual(['acc-tok', 'bearer-tok', 'client-sec', 'env-val', 'header-val', 'ref-tok', 'url-key', 'url-pass'].sort());
    const shown = JSON.stringify(definitions.map(publicUpstreamDefinition)) + definitions.map(upstreamUrl).join(' ');
    for (const secret of secrets) expect(shown).not.toContain(secret);
    expect(shown).toContain('page=2');
    expect(publicUpstreamDefinition(definitions[1]!).auth).toEqual({ type: 'headers', headerNames: ['X-Api-Key'] });
    expect(publicUpstreamDefinition(definitions[2]!).auth).toMatchObject({ type: 'oauth', grant: 'client_credentials', clientId: 'cid', authorized: true });
    expect(publicUpstreamDefinition(definitions[3]!).transport).toEqual({ type: 'stdio', command: 'node', args: ['s.js'], envKeys: ['TOKEN'] });
  });

  it('filters tools: deny wins, no allow list allows all, globs', () => {
    const open = parse({ transport: { type: 'http', url: 'https://x.example/mcp' } });
    const filtered = parse({ transport: { type: 'http', url: 'https://x.example/mcp' }, tools: { allow: ['read_*', 'search'], deny: ['read_secret*'] } });
    expect(upstreamToolAllowed(open, 'anything')).toBe(true);
    expect(['read_file', 'search', 'read_secrets', 'write_file', 'search2'].map((t) => upstreamToolAllowed(filtered, t))).toEqual([true, true, false, false, false]);
  });

  it('defaults the namespace to the name; an empty one passes names through', () => {
    expect(upstreamNamespace(parse({ transport: { type: 'http', url: 'https://x.example/mcp' } }))).toBe('up');
    expect(upstreamNamespace(parse({ namespace: '', transport: { type: 'http', url: 'https://x.example/mcp' } }))).toBe('');
  });

  it('refuses what it cannot safely use', () => {
    const bad = [
      { transport: { type: 'http', url: 'file:///etc/passwd' } },
      { transport: { type: 'http', url: 'https://x.example/mcp' }, auth: { type: 'headers', headers: { 'X-A': 'a\r\nX-B: b' } } },
      { transport: { type: 'http', url: 'https://x.example/mcp' }, auth: { type: 'bearer', token: 'a\nb' } },
      { transport: { type: 'stdio', command: '' } },
      { name: '../etc', transport: { type: 'http', url: 'https://x.example/mcp' } },
      { transport: { type: 'http', url: 'https://x.example/mcp' }, isolation: 'global' },
      { transport: { type: 'http', url: 'https://x.example/mcp' }, timeoutMs: 5 },
    ];
    for (const input of bad) expect(upstreamDefinitionSchema.safeParse({ id: 'u', name: 'up', ...input }).success, JSON.stringify(input)).toBe(false);
  });
});
