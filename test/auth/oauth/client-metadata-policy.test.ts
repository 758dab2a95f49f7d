import { describe, expect, it } from 'vitest';
import { isPublicAddress, publicClientMetadataPolicy } from '../../../src/auth/oauth/client-metadata-policy.js';

describe('client ID metadata document fetch policy', () => {
  it('tells public addresses from special-use ones', () => {
    for (const ip of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111']) expect(isPublicAddress(ip), ip).toBe(true);
    for (const ip of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', 'not-an-ip']) {
      expect(isPublicAddress(ip), ip).toBe(false);
    }
  });

  it('fetches only https URLs on hosts that resolve to public addresses', async () => {
    const dns: Record<string, string[]> = { 'client.example.com': ['93.184.215.14'], 'internal.example.com': ['10.0.0.5'], 'mixed.example.com': ['93.184.215.14', '127.0.0.1'] };
    const policy = publicClientMetadataPolicy(async (host) => {
      const found = dns[host];
      if (!found) throw new Error('ENOTFOUND');
      return found;
    });
    expect(await policy.allowFetch('https://client.example.com/oauth/metadata.json')).toBe(true);
    expect(await policy.allowFetch('http://client.example.com/oauth/metadata.json')).toBe(false);
    expect(await policy.allowFetch('https://internal.example.com/metadata.json')).toBe(false);
    expect(await policy.allowFetch('https://mixed.example.com/metadata.json')).toBe(false);
    expect(await policy.allowFetch('https://unknown.example.com/metadata.json')).toBe(false);
    expect(await policy.allowFetch('https://localhost/metadata.json')).toBe(false);
    expect(await policy.allowFetch('https://127.0.0.1/metadata.json')).toBe(false);
    expect(await policy.allowFetch('https://[::1]/metadata.json')).toBe(false);
    expect(await policy.allowFetch('https://8.8.8.8/metadata.json')).toBe(true);
    expect(await policy.allowFetch('https://user:pw@client.example.com/m.json')).toBe(false);
    expect(await policy.allowFetch('not a url')).toBe(false);
  });
});
